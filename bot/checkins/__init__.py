"""Massage log and recovery check-ins: limits, due times, quiet hours, ownership and delivery state.

No `discord` import here: the cog and the delivery layer turn these services' results into messages.
`service.CheckinService` is the entry point and `scheduler.CheckinScheduler` hands due check-ins to the
Discord side.
"""
