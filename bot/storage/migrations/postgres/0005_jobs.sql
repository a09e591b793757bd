-- 0005_jobs (PostgreSQL twin of sqlite/0005_jobs.sql): durable retries for the daily tip.
-- claimed and retry_at NULL: a post in flight; claimed and retry_at set: waiting to be tried again.
-- attempts: how many times posting was tried; the job runner's backoff grows with it.
ALTER TABLE daily_tip_posts ADD COLUMN attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 0);
ALTER TABLE daily_tip_posts ADD COLUMN retry_at timestamptz;
CREATE INDEX daily_tip_posts_by_retry_at ON daily_tip_posts (retry_at) WHERE retry_at IS NOT NULL;
