-- 0008_reserved_for_another_branch: placeholder so the `wakeups` branch runs alone (migration numbers may
-- not have gaps). Another branch owns number 0008: when merging, delete this file and keep its 0008.
SELECT 1;
