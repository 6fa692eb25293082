"""Domain errors raised by the accounts services; views turn them into messages."""

from __future__ import annotations


class AccountsError(Exception):
    """Base of the accounts errors."""


class LoginLockedError(AccountsError):
    """Too many recent failures for this username or address: refuse without checking anything."""


class InvalidCredentialsError(AccountsError):
    """The username and password do not match an active account (which of them is never said)."""


class InvalidCodeError(AccountsError):
    """The authenticator or SMS code is wrong, reused or expired (which of them is never said)."""


class OtpRateLimitedError(AccountsError):
    """Too many SMS codes asked for this mobile or from this address; `retry_after` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many login codes; retry after {retry_after} seconds.")
        self.retry_after = retry_after


class NationalCodeTakenError(AccountsError):
    """Another account already holds this national code."""


class NationalCodeLockedError(AccountsError):
    """The account already has a different national code; only staff may change it."""
