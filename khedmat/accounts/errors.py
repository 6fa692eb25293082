"""Domain errors raised by the accounts services; views turn them into messages."""

from __future__ import annotations

from khedmat.core.errors import DomainError


class AccountsError(DomainError):
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


class OtpSiteBusyError(OtpRateLimitedError):
    """The whole site's budget of login-code SMS is spent for now; `retry_after` in seconds."""


class OtpMobileLockedError(AccountsError):
    """Too many wrong codes for this mobile within a day: no code is sent or accepted for it
    until `retry_after` seconds have passed."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many wrong codes; retry after {retry_after} seconds.")
        self.retry_after = retry_after


class EnrolmentNotAllowedError(AccountsError):
    """Setting up an authenticator needs a live enrolment link, or a code from the current one."""


class NationalCodeTakenError(AccountsError):
    """Another account already holds this national code."""


class NationalCodeLockedError(AccountsError):
    """The account already has a different national code; only staff may change it."""


class NationalCodeCheckLimitError(AccountsError):
    """The account asked for too many national-code checks today."""


class NationalCodeCheckUnavailableError(AccountsError):
    """No provider is configured for the mobile-ownership inquiry: the code cannot be checked."""
