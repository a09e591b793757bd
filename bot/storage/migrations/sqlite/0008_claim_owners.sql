-- 0008_claim_owners: every claim records its owner (see postgres/0008_claim_owners.sql).
-- SQLite serves one process, so nothing checks an owner's liveness here: the column keeps the two
-- dialects' schemas the same, and a claim's owner guards its settling as on PostgreSQL.
-- NULL: claimed by code older than this migration, or not claimed.
ALTER TABLE checkins ADD COLUMN claimed_by INTEGER;
ALTER TABLE daily_tip_posts ADD COLUMN claimed_by INTEGER;
CREATE INDEX checkins_sending ON checkins (claimed_by) WHERE state = 'sending';
CREATE INDEX daily_tip_posts_claimed ON daily_tip_posts (claimed_by) WHERE state = 'claimed';
