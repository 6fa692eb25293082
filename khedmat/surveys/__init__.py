"""Satisfaction surveys after a request completes (R-26): invitations by SMS, answers, follow-ups, report."""
