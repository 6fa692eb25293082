"""Desk pages of the CMDB."""
