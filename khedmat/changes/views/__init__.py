"""Desk pages of change enablement."""
