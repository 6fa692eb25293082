"""Complaint pages: the portal's (file, receipt, track) and the desk's (list, answer, overdue)."""
