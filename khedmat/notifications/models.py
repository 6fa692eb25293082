"""The message outbox, the templates messages are rendered from, and recipients' opt-outs."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.core.identifiers import normalize_mobile
from khedmat.notifications.choices import (
    AWAITING_REPORT,
    PENDING,
    RESENDABLE,
    TRANSITIONS,
    Channel,
    MessageKind,
    MessageStatus,
)
from khedmat.notifications.secrecy import scrub


def normalise_address(channel: str, address: str) -> str:
    """A mobile as E.164 (+989…), an email lower-cased; ValidationError when it is neither."""
    address = (address or "").strip()
    if channel == Channel.SMS:
        return normalize_mobile(address)
    validate_email(address)
    return address.lower()


LANGUAGE_CHOICES = [("fa", _("Persian")), ("ar", _("Arabic")), ("en", _("English"))]


class MessageTemplate(models.Model):
    """The text of one event's message on one channel in one language, editable by admins."""

    event = models.SlugField(
        _("event"),
        max_length=64,
        help_text=_("The event key code uses, e.g. request_submitted or stage_changed."),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("Email only; may use variables.")
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Variables in double braces: {{ tracking_code }}, {{ service_title }}, {{ stage }}, "
            "{{ due_date }}, {{ link }}, {{ code }}, {{ name }}."
        ),
    )
    provider_template = models.CharField(
        _("provider template"),
        max_length=100,
        blank=True,
        help_text=_(
            "Name of a template approved at the SMS provider (Kavenegar lookup, pattern, OTP). "
            "Leave empty to send the text above."
        ),
    )
    provider = models.CharField(
        _("for provider"),
        max_length=32,
        blank=True,
        help_text=_(
            "The provider the template name belongs to; other providers get the text. "
            "Empty: every provider."
        ),
    )
    provider_params = models.JSONField(
        _("provider template parameters"),
        default=dict,
        blank=True,
        help_text=_('Provider parameter name to variable, e.g. {"token": "code"}.'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "language"],
                name="notifications_template_unique",
                violation_error_message=_(
                    "This event already has a template for this channel and language."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.get_channel_display()} · {self.language}"

    def clean(self) -> None:
        """Refuse a template that does not render, is too long or has unusable lookup tokens."""
        super().clean()
        from khedmat.notifications.rendering import validate_message_template

        validate_message_template(self)

    @property
    def uses_provider_template(self) -> bool:
        """Whether SMS goes out through a provider-side template rather than as text."""
        return bool(self.provider_template)


def _addressed_to(user: Any) -> list[Q]:
    """The staff member's own mobile and email address, as messages are addressed."""
    conditions = []
    for channel, address in ((Channel.SMS, user.mobile), (Channel.EMAIL, user.email)):
        if not address:
            continue
        try:
            conditions.append(Q(channel=channel, recipient=normalise_address(channel, address)))
        except ValidationError:
            continue
    return conditions


def record_models() -> list[type[models.Model]]:
    """Models whose managers say which rows a staff member may see (`visible_to_staff(user)`)."""
    return [
        model
        for model in apps.get_models()
        if model is not Message
        and callable(getattr(model._default_manager, "visible_to_staff", None))
    ]


def _about_visible_records(user: Any) -> list[Q]:
    """One subquery per record type: messages whose record the user may see."""
    conditions = []
    for model in record_models():
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        visible = (
            model._default_manager.visible_to_staff(user)  # type: ignore[attr-defined]
            .order_by()
            .annotate(message_key=Cast("pk", output_field=models.CharField()))
            .values("message_key")
        )
        conditions.append(Q(related_type=content_type, related_id__in=visible))
    return conditions


class MessageQuerySet(models.QuerySet["Message"]):
    def for_record(self, record: models.Model) -> MessageQuerySet:
        """Messages about one record, newest first."""
        content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
        return self.filter(related_type=content_type, related_id=str(record.pk)).order_by("-id")

    def visible_to_staff(self, user: Any) -> MessageQuerySet:
        """Messages a staff member may read: administrators all; others those addressed to them
        and those about a record they may see (a record whose manager has `visible_to_staff`)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_administrator:
            return self.all()
        conditions = [*_addressed_to(user), *_about_visible_records(user)]
        if not conditions:
            return self.none()
        condition = conditions[0]
        for other in conditions[1:]:
            condition |= other
        return self.filter(condition)

    def awaiting_report(self) -> MessageQuerySet:
        """SMS handed to a provider whose final delivery status is not known yet."""
        return self.filter(channel=Channel.SMS, status__in=AWAITING_REPORT).exclude(provider="")


class Message(models.Model):
    """One outbound SMS or email: written with the change that causes it, delivered by a job."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    event = models.CharField(_("event"), max_length=64, blank=True)
    template = models.ForeignKey(
        MessageTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("template"),
    )
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    provider_template = models.CharField(_("provider template"), max_length=100, blank=True)
    template_provider = models.CharField(_("template's provider"), max_length=32, blank=True)
    provider_params = models.JSONField(_("provider template parameters"), default=dict, blank=True)
    contains_secret = models.BooleanField(
        _("holds a secret"),
        default=False,
        help_text=_(
            "A login code or a private link: kept only until the final delivery attempt, never shown."
        ),
    )
    masked_body = models.TextField(_("text with the secret masked"), blank=True)
    secret_values = models.JSONField(_("secret values"), default=list, blank=True)
    secret_removed_at = models.DateTimeField(_("secret removed"), null=True, blank=True)
    related_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("record type"),
    )
    related_id = models.CharField(_("record id"), max_length=64, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    status_checked_at = models.DateTimeField(_("status checked"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    task_id = models.CharField(_("delivery job"), max_length=64, blank=True)
    resent_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resends",
        verbose_name=_("resend of"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-id"]
        permissions = [("resend_message", _("Can resend a failed message"))]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notifications_msg_due_idx"),
            models.Index(
                fields=["related_type", "related_id", "-id"], name="notifications_msg_record_idx"
            ),
            models.Index(
                fields=["recipient", "channel", "queued_at"], name="notifications_msg_rate_idx"
            ),
            models.Index(
                fields=["provider", "provider_message_id"], name="notifications_msg_provider_idx"
            ),
            models.Index(
                fields=["status", "provider", "sent_at"], name="notifications_msg_poll_idx"
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(contains_secret=True, secret_removed_at__isnull=True),
                name="notifications_msg_secret_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(related_type__isnull=True, related_id="")
                | (Q(related_type__isnull=False) & ~Q(related_id="")),
                name="notifications_message_related_complete",
                violation_error_message=_("A message's record needs both a type and an id."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values),
                name="notifications_message_status_valid",
                violation_error_message=_("Unknown message status."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()} → {self.recipient}"

    def can_resend(self) -> bool:
        """Whether staff may send this message again (it failed or never arrived, and held no
        secret: a login code or survey link is not kept to send again)."""
        return self.status in RESENDABLE and not self.contains_secret

    @property
    def shown_body(self) -> str:
        """The text staff may read: its secret masked (the real text is kept only until sent)."""
        if self.contains_secret and self.secret_removed_at is None:
            return self.masked_body
        return self.body

    def scrub(self, text: str) -> str:
        """`text` with this message's secret values masked (errors may echo what was sent)."""
        return scrub(text, self.secret_values) if self.contains_secret else text

    def can_change_to(self, status: str) -> bool:
        """Whether the transition table allows moving to `status`."""
        return status in TRANSITIONS.get(self.status, frozenset())

    @property
    def is_pending(self) -> bool:
        """Not handed to a provider yet (held or queued)."""
        return self.status in PENDING


class OptOut(models.Model):
    """A recipient who refused optional messages on one channel (never codes or legal notices)."""

    recipient = models.CharField(_("recipient"), max_length=254)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel"],
                name="notifications_optout_unique",
                violation_error_message=_("This recipient has already opted out on this channel."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} ({self.get_channel_display()})"

    def clean(self) -> None:
        """Store the recipient as messages are addressed: E.164 mobile or lower-case email."""
        super().clean()
        if self.channel and self.recipient:
            try:
                self.recipient = normalise_address(self.channel, self.recipient)
            except ValidationError as error:
                raise ValidationError({"recipient": error.error_list}) from None
