"""Domain errors raised by the accounts services; views turn them into messages."""

from __future__ import annotations


class AccountsError(Exception):
    """Base of the accounts errors."""


class LoginLockedError(AccountsError):
    """Too many recent failures for this username or address: refuse without checking anything."""


class InvalidCredentialsError(AccountsError):
    """The username and password do not match an active account (which of them is never said)."""


class InvalidCodeError(AccountsError):
    """The authenticator code is wrong, reused or expired."""
