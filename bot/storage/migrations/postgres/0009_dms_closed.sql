-- 0009_dms_closed: when Discord last refused a DM to the member (403, code 50007). While it is recent,
-- check-ins go straight to the server channel instead of spending another refused request (see
-- bot/checkins/dm_status.py, DMS_CLOSED_FOR).
ALTER TABLE members ADD COLUMN dms_closed_at timestamptz;
