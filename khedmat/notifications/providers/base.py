"""The interface every SMS provider adapter implements, and the one status enum they map onto."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    """Every provider's codes map onto these."""

    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    BLOCKED = "blocked", _("Blocked by the recipient")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    UNKNOWN = "unknown", _("Unknown")


FINAL_STATUSES = frozenset(
    {
        DeliveryStatus.DELIVERED,
        DeliveryStatus.UNDELIVERED,
        DeliveryStatus.BLOCKED,
        DeliveryStatus.FAILED,
        DeliveryStatus.CANCELLED,
    }
)


@dataclass(frozen=True)
class SmsResult:
    """What a provider said about one message it accepted."""

    provider_id: str
    status: DeliveryStatus
    cost: Decimal | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class SmsDeliveryError(Exception):
    """A provider refused or could not be reached.

    `retryable`: trying the same provider again later can help (timeout, 5xx, busy).
    `failover`: another provider may succeed now (no credit, account or line problem, provider down).
    Neither: a permanent error for this message (bad number, template not approved, token with a space).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        retryable: bool = False,
        failover: bool = False,
        raw: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.failover = failover
        self.raw = raw or {}


class SmsBackend(ABC):
    """One SMS provider account. Numbers come in as E.164 (+989…); adapters convert as the provider wants."""

    name: str = ""
    #: The provider itself refuses a second message with the same local id (idempotent sends).
    deduplicates_local_id: bool = False
    #: Longest single text the provider accepts, by script.
    max_length_persian: int = 268
    max_length_latin: int = 612

    @abstractmethod
    def send(self, to: str, text: str, *, local_id: str, sender: str | None = None) -> SmsResult:
        """Send a plain text to one recipient."""

    @abstractmethod
    def send_template(
        self, to: str, template: str, params: dict[str, str], *, local_id: str
    ) -> SmsResult:
        """Send a provider-side template (Kavenegar verify/lookup, pattern, OTP template)."""

    @abstractmethod
    def status(self, provider_ids: list[str]) -> dict[str, DeliveryStatus]:
        """Current delivery status of messages this provider accepted."""

    @abstractmethod
    def balance(self) -> Decimal:
        """Remaining credit in the provider's currency unit."""


class LocalSmsBackend(SmsBackend):
    """A development backend that writes messages on this host instead of sending them.

    Outside debug the system check refuses it unless KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS is set. For a
    message holding a secret (a login code, a survey link) it gets `shown`, the text with the
    secret masked, and keeps the secret out of its logs and files.
    """

    @abstractmethod
    def send(
        self,
        to: str,
        text: str,
        *,
        local_id: str,
        sender: str | None = None,
        shown: str | None = None,
    ) -> SmsResult:
        """Deliver `text` locally; `shown` (when given) is what logs and files may keep."""

    @abstractmethod
    def send_template(
        self,
        to: str,
        template: str,
        params: dict[str, str],
        *,
        local_id: str,
        shown: dict[str, str] | None = None,
    ) -> SmsResult:
        """Deliver a template's values locally; `shown` (when given) is what logs may keep."""
