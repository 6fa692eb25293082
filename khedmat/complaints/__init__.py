"""Complaints (R-27): filed per service or per request, routed to the complaints unit, answered."""
