"""Rendering message templates, checking them at save time, and the HTML + text email bodies."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from khedmat.config import ConfigError
from khedmat.core.dates import format_date
from khedmat.notifications.choices import Channel
from khedmat.notifications.providers.base import SmsBackend
from khedmat.notifications.providers.registry import backends_for

if TYPE_CHECKING:
    from khedmat.notifications.models import Message, MessageTemplate

logger = logging.getLogger(__name__)

# The variables a template may use, with what they hold (shown to admins).
VARIABLES: dict[str, Any] = {
    "tracking_code": _("the request's tracking code"),
    "service_title": _("the service's title"),
    "stage": _("the request's new stage"),
    "due_date": _("the promised date (Jalali in Persian, Hijri and Gregorian in Arabic)"),
    "link": _("a link to follow the request"),
    "code": _("a one-time code"),
    "name": _("the recipient's name"),
}

_INVALID = "\x00INVALID:%s\x00"
_INVALID_PATTERN = re.compile("\x00INVALID:(.*?)\x00")
# Kavenegar error 431: a lookup token may not hold a space, newline, underscore or separator.
_TOKEN_FORBIDDEN = re.compile(r"[\s_,;|\u200c\u200f\u200e]")

SAMPLE_TEXTS = {
    "fa": {
        "service_title": "صدور پروانه بهره‌برداری واحد تولیدی",
        "stage": "در حال بررسی کارشناس",
        "name": "زهرا محمدی‌نژاد",
    },
    "ar": {
        "service_title": "إصدار ترخيص تشغيل وحدة إنتاجية",
        "stage": "قيد مراجعة الخبير",
        "name": "فاطمة عبد الرحمن",
    },
    "en": {
        "service_title": "Operating licence for a production unit",
        "stage": "Under expert review",
        "name": "Zahra Mohammadinejad",
    },
}
SAMPLE_TRACKING_CODE = "140312345678"


@cache
def _engine(*, strict: bool) -> Engine:
    """A template engine with no loaders (no include/extends) and no HTML escaping (plain text)."""
    return Engine(loaders=[], autoescape=False, string_if_invalid=_INVALID if strict else "")


def _language(language: str | None) -> str:
    return (language or translation.get_language() or "fa")[:2]


def message_context(context: Mapping[str, Any], language: str) -> dict[str, str]:
    """Values as a recipient of `language` reads them: dates localised, everything else as text."""
    values: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, dt.date):
            values[key] = format_date(value, language)
        elif value is None:
            values[key] = ""
        else:
            values[key] = str(value)
    return values


def render_text(source: str, context: Mapping[str, Any], *, language: str) -> str:
    """Render a template text with the message context (unknown variables render empty)."""
    with translation.override(language):
        template = _engine(strict=False).from_string(source)
        return template.render(
            Context(message_context(context, language), autoescape=False)
        ).strip()


def sample_context(language: str) -> dict[str, Any]:
    """Realistic, long-ish values for every variable, to check a template before it is saved."""
    texts = SAMPLE_TEXTS.get(_language(language), SAMPLE_TEXTS["en"])
    return {
        "tracking_code": SAMPLE_TRACKING_CODE,
        "service_title": texts["service_title"],
        "stage": texts["stage"],
        "due_date": timezone.now() + dt.timedelta(days=30),
        "link": f"https://khedmat.example.ir/track/{SAMPLE_TRACKING_CODE}",
        "code": "482913",
        "name": texts["name"],
    }


def _render_strict(source: str, language: str) -> str:
    """Render with the sample context; ValidationError on bad syntax or an unknown variable."""
    try:
        with translation.override(language):
            template = _engine(strict=True).from_string(source)
            text = template.render(
                Context(message_context(sample_context(language), language), autoescape=False)
            )
    except (TemplateSyntaxError, TemplateDoesNotExist) as error:
        raise ValidationError(
            _("The text cannot be rendered: %(error)s"), params={"error": error}, code="syntax"
        ) from None
    unknown = sorted(set(_INVALID_PATTERN.findall(text)))
    if unknown:
        raise ValidationError(
            _("Unknown variable %(names)s. Use one of: %(known)s."),
            params={"names": ", ".join(unknown), "known": ", ".join(VARIABLES)},
            code="unknown_variable",
        )
    return text.strip()


def sms_length_limits() -> tuple[int, int]:
    """(Persian, Latin) longest text every configured SMS provider accepts."""
    persian, latin = SmsBackend.max_length_persian, SmsBackend.max_length_latin
    try:
        backends = [*backends_for("transactional"), *backends_for("otp")]
    except ConfigError:  # a provider misconfigured: check against the interface's limits
        logger.warning("Could not read the SMS providers' limits.", exc_info=True)
        return persian, latin
    for backend in backends:
        persian = min(persian, backend.max_length_persian)
        latin = min(latin, backend.max_length_latin)
    return persian, latin


def sms_length_error(text: str) -> ValidationError | None:
    """An error when `text` is longer than the providers accept (UCS-2 texts have the lower limit)."""
    persian_limit, latin_limit = sms_length_limits()
    latin = text.isascii()
    limit = latin_limit if latin else persian_limit
    if len(text) <= limit:
        return None
    if latin:
        message = _(
            "With sample values this text has %(length)d characters; SMS providers accept "
            "at most %(limit)d Latin characters. Shorten it."
        )
    else:
        message = _(
            "With sample values this text has %(length)d characters; SMS providers accept "
            "at most %(limit)d Persian or Arabic characters. Shorten it."
        )
    return ValidationError(message, params={"length": len(text), "limit": limit}, code="too_long")


def _provider_param_errors(params: Any, language: str) -> list[ValidationError]:
    if not isinstance(params, dict):
        return [
            ValidationError(
                _('Give the parameters as an object, e.g. {"token": "code"}.'), code="params"
            )
        ]
    errors: list[ValidationError] = []
    samples = message_context(sample_context(language), language)
    for name, variable in params.items():
        if not isinstance(variable, str) or variable not in VARIABLES:
            errors.append(
                ValidationError(
                    _("Parameter %(name)s uses an unknown variable %(variable)s."),
                    params={"name": name, "variable": variable},
                    code="unknown_variable",
                )
            )
        elif _TOKEN_FORBIDDEN.search(samples[variable]):
            errors.append(
                ValidationError(
                    _(
                        "Parameter %(name)s would hold a space or separator (%(variable)s); "
                        "SMS providers refuse lookup tokens with spaces. Use a one-word variable."
                    ),
                    params={"name": name, "variable": variable},
                    code="token_space",
                )
            )
    return errors


def _check_sms(template: MessageTemplate, text: str, errors: dict[str, list]) -> None:
    too_long = sms_length_error(text)
    if too_long is not None:
        errors.setdefault("body", []).append(too_long)
    if template.provider_params and not template.provider_template:
        errors.setdefault("provider_template", []).append(
            ValidationError(
                _("Parameters need a provider template name."), code="params_without_template"
            )
        )
    if template.provider_template or template.provider_params:
        param_errors = _provider_param_errors(template.provider_params, template.language)
        if param_errors:
            errors.setdefault("provider_params", []).extend(param_errors)


def _check_email(template: MessageTemplate, errors: dict[str, list]) -> None:
    if not template.subject.strip():
        errors.setdefault("subject", []).append(
            ValidationError(_("An email needs a subject."), code="subject_required")
        )
    else:
        try:
            _render_strict(template.subject, template.language)
        except ValidationError as error:
            errors.setdefault("subject", []).append(error)
    if template.provider_template or template.provider_params:
        errors.setdefault("provider_template", []).append(
            ValidationError(_("Provider templates are for SMS only."), code="email_provider")
        )


def validate_message_template(template: MessageTemplate) -> None:
    """Raise ValidationError (per field) unless the template renders and fits its channel."""
    errors: dict[str, list] = {}
    language = template.language or "fa"
    try:
        text = _render_strict(template.body or "", language)
    except ValidationError as error:
        errors["body"] = [error]
        text = ""
    if not errors and not text:
        errors["body"] = [ValidationError(_("The text renders empty."), code="empty")]
    if template.channel == Channel.SMS:
        _check_sms(template, text, errors)
    elif template.channel == Channel.EMAIL:
        _check_email(template, errors)
    if errors:
        raise ValidationError(errors)


def render_email(message: Message) -> tuple[str, str]:
    """The plain-text and HTML bodies of an email message, in its language and direction."""
    language = _language(message.language)
    context = {
        "message": message,
        "subject": message.subject,
        "body": message.body,
        "language": language,
        "direction": "rtl" if language in {"fa", "ar"} else "ltr",
    }
    with translation.override(language):
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    return text, html
