"""Login with a password, then an authenticator code; enrolment of the authenticator.

A first authenticator is set up only with an enrolment link an administrator issued (opened in the
same browser before or after the password); replacing one takes a code from the current one, or
a new link when the phone is lost. The password alone never enrols.
"""

from __future__ import annotations

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import admin, auth, messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from khedmat.accounts import services
from khedmat.accounts.choices import LoginStage
from khedmat.accounts.errors import (
    EnrolmentNotAllowedError,
    InvalidCodeError,
    InvalidCredentialsError,
    LoginLockedError,
)
from khedmat.accounts.forms import FORM_ERRORS_ID, CodeForm, LoginForm, ReplaceDeviceForm
from khedmat.accounts.models import EnrolmentLink, User
from khedmat.accounts.queries import (
    confirmed_device,
    live_enrolment_link,
    login_is_locked,
    login_key,
    second_factor_required,
)
from khedmat.core.http import client_ip

INVALID_LOGIN = _("The username or password is not correct. Both may be case-sensitive.")
LOCKED_OUT = _(
    "Too many failed attempts. For your security, logging in is paused for a while; "
    "try again later."
)
INVALID_CODE = _("That code is not correct or has expired. Wait for a new code and try again.")
NO_AUTHENTICATOR = _(
    "Your account has no authenticator app set up yet. Ask an administrator for an enrolment "
    "link, open it in this browser, then log in again."
)
WRONG_CURRENT_CODE = _(
    "That code from your current authenticator app is not correct. Enter the code it shows now."
)

PENDING_USER = "accounts.pending_user_id"
PENDING_BACKEND = "accounts.pending_backend"
PENDING_SINCE = "accounts.pending_since"
PENDING_NEXT = "accounts.pending_next"
PENDING_SECONDS = 300
ENROLMENT_LINK = "accounts.enrolment_link_id"


# --- helpers ----------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and allowed else None


def _requested_next(request: HttpRequest) -> str | None:
    return _safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _destination(user: User, next_url: str | None) -> str:
    if next_url:
        return next_url
    return reverse("desk:home") if user.is_staff else resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str | None) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _start_pending(request: HttpRequest, user: User, next_url: str | None) -> None:
    request.session.cycle_key()
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_BACKEND] = getattr(user, "backend", "")
    request.session[PENDING_SINCE] = int(time.time())
    request.session[PENDING_NEXT] = next_url


def _clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_SINCE, PENDING_NEXT):
        request.session.pop(key, None)


def _pending_user(request: HttpRequest) -> User | None:
    since = request.session.get(PENDING_SINCE)
    if not since or time.time() - since > PENDING_SECONDS:
        _clear_pending(request)
        return None
    user_id = request.session.get(PENDING_USER)
    if not isinstance(user_id, int):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def _session_link(request: HttpRequest, user: User) -> EnrolmentLink | None:
    """The live enrolment link opened in this browser, if it is `user`'s."""
    link = live_enrolment_link(link_id=request.session.get(ENROLMENT_LINK))
    return link if link is not None and link.user_id == user.pk else None


def _must_enrol_first(user: User) -> bool:
    """Staff without an authenticator, where one is required: the password alone is not enough."""
    return (user.is_staff or user.is_superuser) and second_factor_required()


def _finish_login(request: HttpRequest, user: User, device: Device | None) -> None:
    """Log the user in (unless already) and mark the session verified by `device`."""
    backend = request.session.get(PENDING_BACKEND) or getattr(user, "backend", None)
    if not request.user.is_authenticated:
        auth.login(request, user, backend=backend)  # a new session key
    if device is not None:
        _verify_session(request, device)
    _clear_pending(request)
    services.clear_login_failures(user)
    services.record_staff_login(
        user, ip_address=client_ip(request), second_factor=device is not None
    )


def _verify_session(request: HttpRequest, device: Device) -> None:
    """Mark the session verified by `device` under a new session key: a key seen before the
    second factor (a fixated or sniffed one) never carries the verified session (ASVS 3.2.1)."""
    otp_login(request, device)
    request.session.cycle_key()


# --- views ------------------------------------------------------------------------------------


@login_not_required
@sensitive_post_parameters("password")
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    """Step one: username and password; then the code, or enrolment for staff without one."""
    next_url = _requested_next(request)
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        _clear_pending(request)
    elif form.is_valid():
        try:
            user = services.check_login_password(
                request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip_address=client_ip(request),
            )
        except LoginLockedError:
            form.add_error(None, LOCKED_OUT)
        except InvalidCredentialsError:
            form.add_error(None, INVALID_LOGIN)
        else:
            response = _after_password(request, user, next_url)
            if response is not None:
                return response
            form.add_error(None, NO_AUTHENTICATOR)
    context = {"form": form, "next": next_url, "form_errors_id": FORM_ERRORS_ID}
    return render(request, "accounts/login.html", context)


def _after_password(request: HttpRequest, user: User, next_url: str | None) -> HttpResponse | None:
    """Where a right password leads; None when staff have no authenticator and no link."""
    if _session_link(request, user) is not None:
        # An administrator's enrolment link opened in this browser: set up (or replace) the app.
        _finish_login(request, user, None)
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    if confirmed_device(user) is not None:
        _start_pending(request, user, next_url)
        return redirect("accounts:verify")
    if _must_enrol_first(user):
        return None
    _finish_login(request, user, None)
    return HttpResponseRedirect(_destination(user, next_url))


@login_not_required
@sensitive_post_parameters("code")
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """Step two: the code from the authenticator app, for a pending or an unverified session."""
    authenticated = request.user.is_authenticated
    user = request.user if authenticated else _pending_user(request)
    if not isinstance(user, User):
        return redirect("accounts:login")
    if authenticated and user.is_verified():  # type: ignore[attr-defined]
        return HttpResponseRedirect(_destination(user, _requested_next(request)))
    if authenticated and _session_link(request, user) is not None:
        return redirect("accounts:two_factor_setup")  # a lost phone: the link replaces it
    if confirmed_device(user) is None:
        if authenticated:
            return redirect(_with_next("accounts:two_factor_setup", _requested_next(request)))
        return redirect("accounts:login")
    next_url = request.session.get(PENDING_NEXT) or _requested_next(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.check_login_code(
                user, form.cleaned_data["code"], ip_address=client_ip(request)
            )
        except LoginLockedError:
            return _locked_during_code(request)
        except InvalidCodeError:
            form.add_error("code", INVALID_CODE)
        else:
            _finish_login(request, user, device)
            return HttpResponseRedirect(_destination(user, next_url))
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


def _locked_during_code(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        auth.logout(request)
    _clear_pending(request)
    messages.error(request, LOCKED_OUT)
    return redirect("accounts:login")


@login_not_required
@never_cache
def enrolment_link(request: HttpRequest, token: str) -> HttpResponse:
    """An administrator's enrolment link: remembered in this session, then the password."""
    link = live_enrolment_link(token=token)
    if link is None:
        context = {"invalid_link": True}
        return render(request, "accounts/enrolment_link_needed.html", context, status=404)
    if request.user.is_authenticated and request.user.pk != link.user_id:
        auth.logout(request)  # someone else's session in this browser: start clean
    request.session[ENROLMENT_LINK] = link.pk
    if request.user.is_authenticated:
        return redirect("accounts:two_factor_setup")
    messages.info(request, _("Log in with your username and password to set up your app."))
    return redirect("accounts:login")


@sensitive_post_parameters("code", "current_code")
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), then confirm with a code.

    Allowed with this session's enrolment link, or to replace a verified user's app (then the
    form also asks for a code from the current one); anyone else is told to ask an administrator.
    """
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware lets only signed-in users here
    next_url = _requested_next(request)
    link = _session_link(request, user)
    has_device = confirmed_device(user) is not None
    if link is None and has_device and not user.is_verified():  # type: ignore[attr-defined]
        return redirect(_with_next("accounts:verify", next_url))
    if link is None and not has_device:
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/enrolment_link_needed.html", status=status)
    device = services.start_totp_enrolment(user, actor=user)
    data = request.POST if request.method == "POST" else None
    form = CodeForm(data) if link is not None else ReplaceDeviceForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_totp_device(
                device,
                form.cleaned_data["code"],
                actor=user,
                link=link,
                current_code=form.cleaned_data.get("current_code", ""),
            )
        except EnrolmentNotAllowedError:
            if link is not None:  # used or expired meanwhile: start again without it
                return redirect("accounts:two_factor_setup")
            form.add_error("current_code", WRONG_CURRENT_CODE)
        except InvalidCodeError:
            form.add_error("code", INVALID_CODE)
        else:
            request.session.pop(ENROLMENT_LINK, None)
            _verify_session(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            return HttpResponseRedirect(_destination(user, next_url))
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": qr_svg(device),
        "secret": readable_secret(device),
        "required": user.is_staff and second_factor_required(),
        "replacing": link is None,
        "form_errors_id": FORM_ERRORS_ID,
    }
    return render(request, "accounts/two_factor_setup.html", context)


def qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// URL as an inline SVG QR code with a text alternative."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=str(_("QR code for your authenticator app")), svgclass="qr-code"
    )
    # segno writes the markup itself from our own URL; nothing user-typed reaches it unescaped.
    return mark_safe(svg)  # noqa: S308


def readable_secret(device: TOTPDevice) -> str:
    """The secret key in base32, in groups of four, for typing into the app by hand."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[index : index + 4] for index in range(0, len(key), 4))


@login_not_required
def admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin's own login is replaced: everyone signs in here, with the second factor."""
    next_url = _requested_next(request) or reverse("admin:index")
    return redirect(_with_next("accounts:login", next_url))


# --- the admin's own password change ------------------------------------------------------------


@sensitive_post_parameters()
@never_cache
def admin_password_change(request: HttpRequest) -> HttpResponse:
    """The admin's password change with its current-password check counted as a login failure:
    a stolen session cannot guess the password, and after KHEDMAT_LOGIN_MAX_FAILURES wrong
    guesses the session ends and the login is locked like a wrong password at the door."""
    user = request.user
    key = login_key(user.get_username()) if user.is_authenticated else ""
    ip_address = client_ip(request)
    if key and login_is_locked(key, ip_address=ip_address):
        auth.logout(request)
        messages.error(request, _("Too many wrong passwords: log in again later."))
        return redirect(settings.LOGIN_URL)
    response = admin.site.password_change(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if key and request.method == "POST" and form is not None and "old_password" in form.errors:
        services.record_login_failure(key, ip_address=ip_address, stage=LoginStage.PASSWORD)
    elif request.method == "POST" and response.status_code == 302 and isinstance(user, User):
        services.notify_security_change(user, "password")
    return response
