"""The interface every inquiry provider implements, its result and the two errors it may raise."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from khedmat.integrations.choices import InquiryOutcome
from khedmat.jobs.errors import PermanentError, RetryableError


@dataclass(frozen=True)
class InquiryResult:
    """What a provider answered: found (with data) or not found. `cached`: served from the cache."""

    outcome: InquiryOutcome
    data: dict[str, Any] = field(default_factory=dict)
    provider: str = ""
    cached: bool = False

    @property
    def found(self) -> bool:
        """Whether the provider knew the subject of the inquiry."""
        return self.outcome == InquiryOutcome.FOUND


class InquiryUnavailable(RetryableError):
    """Timeout, connection failure or 5xx: the same inquiry later may succeed (a job retries it)."""

    def __init__(self, *args: object, code: str = "", retry_after: float | None = None) -> None:
        super().__init__(*args, retry_after=retry_after)
        self.code = code


class CircuitOpenError(InquiryUnavailable):
    """The provider failed too often lately; the call was not made (retry after the cool-down)."""


class InquiryRejected(PermanentError):
    """The provider refused the inquiry (4xx: bad key, bad parameters); retrying will not help."""

    def __init__(self, *args: object, code: str = "") -> None:
        super().__init__(*args)
        self.code = code


class InquiryProvider(ABC):
    """One agency's inquiry service. `kind` is ours (identity, postal_code, …)."""

    name: str = ""

    @abstractmethod
    def inquire(self, kind: str, parameters: dict[str, Any], *, request_id: str) -> InquiryResult:
        """Ask the provider; raise InquiryUnavailable or InquiryRejected when it cannot answer."""
