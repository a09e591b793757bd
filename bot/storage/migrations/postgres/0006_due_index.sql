-- 0006_due_index: the check-in claim reads only pending rows in delivery order; a partial index keeps
-- that scan small however many sent rows pile up (and lets PostgreSQL lock just the rows it takes).
CREATE INDEX checkins_due ON checkins (deliver_at, id) WHERE state = 'pending';
