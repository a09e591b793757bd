-- 0007_reserved_for_claims: placeholder so the `wakeups` branch runs alone (migration numbers may not
-- have gaps). The `claims` branch owns number 0007: when merging, delete this file and keep its 0007.
SELECT 1;
