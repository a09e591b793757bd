-- 0007_reserved: a placeholder so this branch's migrations stay contiguous; the branch that owns number 0007
-- (housekeeping 0007, claims 0008, wakeups 0009) brings the real one. DELETE THIS FILE when merging it.
SELECT 1;
