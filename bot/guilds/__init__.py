"""What moderators set up for their server: who moderates, the server's own tips, the audit trail.

No `discord` import here: the cogs read roles and permissions from Discord and hand plain values in.
`service.GuildService` (settings, moderator check, audit, lifecycle) and `tips.GuildTipService` are
the entry points; both write the audit trail in `audit.AuditTrail` in the same transaction as the change.
"""
