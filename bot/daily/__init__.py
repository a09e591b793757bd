"""Tip of the day per server: the schedule, the shuffled cycle of tips, and exactly-once-a-day posting.

No `discord` import here. `service.DailyTipService` is the entry point for the cogs;
`scheduler.DailyTipScheduler` hands each due day's tip to the Discord side, which posts it.
"""
