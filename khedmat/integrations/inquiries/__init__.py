"""Inquiry providers (R-20): one interface, a GSB-style REST adapter, and a registry by kind."""
