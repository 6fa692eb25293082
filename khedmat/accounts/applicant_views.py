"""Applicant login (R-12): mobile, then the code sent by SMS, then name and national code once.

The mobile and the `next` address travel in the session between the steps, never in the URL.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from khedmat.accounts import otp, verification
from khedmat.accounts.choices import NationalCodeStatus
from khedmat.accounts.errors import (
    InvalidCodeError,
    NationalCodeCheckLimitError,
    NationalCodeCheckUnavailableError,
    NationalCodeLockedError,
    NationalCodeTakenError,
    OtpMobileLockedError,
    OtpRateLimitedError,
    OtpSiteBusyError,
)
from khedmat.accounts.forms import FORM_ERRORS_ID, AccessibleFormMixin, OneTimeCodeField
from khedmat.accounts.models import User
from khedmat.accounts.views import _requested_next, _safe_next, _with_next
from khedmat.core.digits import localize_digits
from khedmat.core.forms import MobileField, NationalCodeField
from khedmat.core.http import client_ip

APPLICANT_MOBILE = "accounts.applicant_mobile"
APPLICANT_NEXT = "accounts.applicant_next"
MODEL_BACKEND = "khedmat.accounts.backends.AccountBackend"

INVALID_SMS_CODE = _(
    "That code is not correct, has expired or was already used. Ask for a new code and try again."
)
NATIONAL_CODE_TAKEN = _(
    "Another account already uses this national code. If it is yours, log in with the mobile "
    "number of that account, or ask the service desk for help."
)
NATIONAL_CODE_LOCKED = _(
    "Your account already has another, verified national code. To change it, ask the service desk."
)
NATIONAL_CODE_PENDING = _(
    "We are checking that your mobile number is registered to your national code. Until then you "
    "see only the requests you filed yourself."
)
NATIONAL_CODE_CHECK_LIMIT = _(
    "Your national code was checked too many times today. Try again tomorrow, or ask the service "
    "desk."
)
NATIONAL_CODE_CHECK_UNAVAILABLE = _(
    "Your national code cannot be checked at the moment. Try again later."
)


# --- forms ------------------------------------------------------------------------------------


class MobileForm(AccessibleFormMixin):
    """The applicant's mobile number, the first step of the login."""

    mobile = MobileField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_("For example 09121234567. We will send a login code to this number by SMS."),
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "09121234567"}),
    )


class SmsCodeForm(AccessibleFormMixin):
    """The six-digit code from the SMS (Persian and Arabic digits accepted)."""

    code = OneTimeCodeField(label=_("Code from the SMS"), lengths=(otp.CODE_DIGITS,))


class ApplicantProfileForm(AccessibleFormMixin):
    """Name and national code, asked once after the first login."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    national_code = NationalCodeField(
        label=_("National code"),
        max_length=16,
        help_text=_("The 10-digit code on your national card."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


# --- helpers ----------------------------------------------------------------------------------


def _wait_message(seconds: int) -> str:
    """How long to wait before asking again: seconds, or whole minutes (up) past two minutes."""
    if seconds > 120:
        minutes = -(-seconds // 60)
        text = ngettext(
            "Too many codes were asked for. Try again in %(count)d minute.",
            "Too many codes were asked for. Try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    else:
        text = ngettext(
            "Please wait %(count)d second before asking for a new code.",
            "Please wait %(count)d seconds before asking for a new code.",
            seconds,
        ) % {"count": seconds}
    return localize_digits(text, translation.get_language() or settings.LANGUAGE_CODE)


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def _busy_message(seconds: int) -> str:
    """The site's budget of codes is spent: a clear "busy", not a blame on the visitor."""
    minutes = _minutes(seconds)
    text = ngettext(
        "The service is busy right now. Please try again in %(count)d minute.",
        "The service is busy right now. Please try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}
    return localize_digits(text, translation.get_language() or settings.LANGUAGE_CODE)


def _locked_message(seconds: int) -> str:
    """Too many wrong codes for this mobile today: in hours past two hours, else in minutes."""
    minutes = _minutes(seconds)
    if minutes > 120:
        hours = -(-minutes // 60)
        text = ngettext(
            "Too many wrong codes were entered for this mobile number. For your security, "
            "logging in by code is paused; try again in %(count)d hour.",
            "Too many wrong codes were entered for this mobile number. For your security, "
            "logging in by code is paused; try again in %(count)d hours.",
            hours,
        ) % {"count": hours}
    else:
        text = ngettext(
            "Too many wrong codes were entered for this mobile number. For your security, "
            "logging in by code is paused; try again in %(count)d minute.",
            "Too many wrong codes were entered for this mobile number. For your security, "
            "logging in by code is paused; try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    return localize_digits(text, translation.get_language() or settings.LANGUAGE_CODE)


def _refusal_message(error: OtpRateLimitedError | OtpMobileLockedError) -> str:
    if isinstance(error, OtpMobileLockedError):
        return _locked_message(error.retry_after)
    if isinstance(error, OtpSiteBusyError):
        return _busy_message(error.retry_after)
    return _wait_message(error.retry_after)


def _home() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _send_code(request: HttpRequest, mobile: str) -> None:
    """Send a code in the request's language; OtpRateLimitedError and OtpMobileLockedError pass."""
    otp.send_login_code(
        mobile,
        ip_address=client_ip(request),
        language=getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE,
    )


def _pending_mobile(request: HttpRequest) -> str | None:
    mobile = request.session.get(APPLICANT_MOBILE)
    return mobile if isinstance(mobile, str) and mobile else None


def _national_form(mobile: str) -> str:
    """+989121234567 as the applicant knows it: 09121234567."""
    return "0" + mobile[3:] if mobile.startswith("+98") else mobile


def _after_login(user: User, next_url: str | None) -> str:
    if not otp.profile_is_complete(user):
        return _with_next("accounts:applicant_profile", next_url)
    return next_url or _home()


# --- views ------------------------------------------------------------------------------------


@login_not_required
@never_cache
def applicant_login(request: HttpRequest) -> HttpResponse:
    """Step one: the mobile number; a code is sent by SMS and the code page follows."""
    next_url = _requested_next(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url or _home())
    form = MobileForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            _send_code(request, mobile)
        except (OtpRateLimitedError, OtpMobileLockedError) as error:
            form.add_error(None, _refusal_message(error))
        else:
            request.session[APPLICANT_MOBILE] = mobile
            request.session[APPLICANT_NEXT] = next_url
            return redirect("accounts:applicant_code")
    context = {"form": form, "next": next_url, "form_errors_id": FORM_ERRORS_ID}
    return render(request, "accounts/applicant_login.html", context)


@login_not_required
@sensitive_post_parameters("code")
@never_cache
def applicant_code(request: HttpRequest) -> HttpResponse:
    """Step two: the code from the SMS, or a new code once the resend wait is over."""
    mobile = _pending_mobile(request)
    if mobile is None:
        return redirect("accounts:applicant_login")
    next_url = _safe_next(request, request.session.get(APPLICANT_NEXT))
    if request.method == "POST" and "resend" in request.POST:
        return _resend(request, mobile)
    form = SmsCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = otp.verify_login_code(
                mobile, form.cleaned_data["code"], ip_address=client_ip(request)
            )
        except InvalidCodeError:
            form.add_error("code", INVALID_SMS_CODE)
        except OtpMobileLockedError as error:
            form.add_error("code", _locked_message(error.retry_after))
        else:
            # auth.login gives the session a new key (no session fixation).
            auth.login(request, user, backend=MODEL_BACKEND)
            for key in (APPLICANT_MOBILE, APPLICANT_NEXT):
                request.session.pop(key, None)
            return HttpResponseRedirect(_after_login(user, next_url))
    context = {
        "form": form,
        "mobile": _national_form(mobile),
        "resend_seconds": otp.seconds_until_resend(mobile),
        "form_errors_id": FORM_ERRORS_ID,
    }
    return render(request, "accounts/applicant_code.html", context)


def _resend(request: HttpRequest, mobile: str) -> HttpResponse:
    try:
        _send_code(request, mobile)
    except (OtpRateLimitedError, OtpMobileLockedError) as error:
        messages.error(request, _refusal_message(error))
    else:
        messages.success(request, _("A new code was sent. Only the newest code works."))
    return redirect("accounts:applicant_code")


@never_cache
def applicant_profile(request: HttpRequest) -> HttpResponse:
    """Step three: first name, last name and a valid national code, and where its check stands."""
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware lets only signed-in users here
    next_url = _requested_next(request)
    if user.is_staff:
        return HttpResponseRedirect(next_url or resolve_url("desk:home"))
    if request.method == "POST" and "check" in request.POST:
        return _check_national_code(request, user, next_url)
    initial: dict[str, Any] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "national_code": user.national_code or "",
    }
    form = ApplicantProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    # Once verified, the national code is changed only by staff (it identifies the applicant).
    form.fields["national_code"].disabled = bool(user.verified_national_code)
    if request.method == "POST" and form.is_valid():
        try:
            otp.complete_applicant_profile(user, **form.cleaned_data, actor=user)
        except NationalCodeTakenError:
            form.add_error("national_code", NATIONAL_CODE_TAKEN)
        except NationalCodeLockedError:
            form.add_error("national_code", NATIONAL_CODE_LOCKED)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your details were saved."))
            if user.national_code_status == NationalCodeStatus.PENDING:
                messages.info(request, NATIONAL_CODE_PENDING)
            return HttpResponseRedirect(next_url or _home())
    context = {
        "form": form,
        "next": next_url,
        "form_errors_id": FORM_ERRORS_ID,
        "check_status": user.national_code_status if user.national_code else "",
        "can_check": verification.can_request_check(user),
    }
    return render(request, "accounts/applicant_profile.html", context)


def _check_national_code(request: HttpRequest, user: User, next_url: str | None) -> HttpResponse:
    """The "check my national code" button: queue the mobile-ownership check again."""
    try:
        verification.request_national_code_check(user, actor=user)
    except NationalCodeCheckLimitError:
        messages.error(request, NATIONAL_CODE_CHECK_LIMIT)
    except NationalCodeCheckUnavailableError:
        messages.error(request, NATIONAL_CODE_CHECK_UNAVAILABLE)
    else:
        if user.national_code_status == NationalCodeStatus.PENDING:
            messages.info(request, NATIONAL_CODE_PENDING)
    return HttpResponseRedirect(_with_next("accounts:applicant_profile", next_url))
