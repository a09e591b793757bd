-- 0005_jobs: durable retries for the daily tip, as check-ins have had from the start.
-- A claimed day whose post failed for a passing reason waits for retry_at (UTC) and is claimed again
-- then, by whichever process is running: the backoff survives a restart instead of living in memory.
-- claimed and retry_at NULL: a post in flight; claimed and retry_at set: waiting to be tried again
-- (retry_at means nothing in any other state).
-- attempts: how many times posting was tried; the job runner's backoff grows with it.
ALTER TABLE daily_tip_posts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 0);
ALTER TABLE daily_tip_posts ADD COLUMN retry_at TEXT;
CREATE INDEX daily_tip_posts_by_retry_at ON daily_tip_posts (retry_at) WHERE retry_at IS NOT NULL;
