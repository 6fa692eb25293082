"""Khedmat: electronic service desk and ITSM platform."""

__version__ = "0.1.0"
