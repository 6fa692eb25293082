"""Integrations with other agencies: inquiries (GSB, R-20) and office automation letters (R-19)."""
