"""The staff outbox (/desk/messages/) and the providers' delivery-report hook (/hooks/sms/<provider>/)."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.core.http import client_ip, load_json
from khedmat.core.pagination import BadCursor, Page
from khedmat.notifications import queries, services
from khedmat.notifications.errors import NotResendableError
from khedmat.notifications.forms import MessageFilterForm
from khedmat.notifications.models import Message
from khedmat.notifications.providers.base import DeliveryStatus
from khedmat.notifications.providers.registry import known_providers, report_status

logger = logging.getLogger(__name__)

ID_KEYS = ("messageid", "message_id", "id", "mid", "providerid", "provider_id")
SECRET_NOT_RESENT = _(
    "A message with a login code or a private link is not kept, so it cannot be sent again; "
    "the applicant asks for a new code, and a survey is reminded with a new link."
)
STATUS_KEYS = ("status", "state", "statuscode", "status_code", "deliverystatus")


# --- the staff outbox -------------------------------------------------------------------------


def _page(request: HttpRequest, form: Any) -> Page[Message]:
    """The page `?after=` names; a damaged cursor shows the first page."""
    try:
        return queries.message_page(
            form.filters(), user=request.user, after=request.GET.get("after") or None
        )
    except BadCursor:
        return queries.message_page(form.filters(), user=request.user)


@require_GET
@permission_required("notifications.view_message", raise_exception=True)
def message_list(request: HttpRequest) -> HttpResponse:
    """Messages newest first, filtered, 50 a page by keyset (?after=<id>)."""
    form = MessageFilterForm(request.GET or None, providers=queries.provider_names())
    page = _page(request, form)
    context = {"form": form, "page": page, "after": request.GET.get("after", "")}
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_message_list.html", context)
    return render(request, "notifications/message_list.html", context)


@require_GET
@permission_required("notifications.view_message", raise_exception=True)
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One message the user may read (404 otherwise): its text, provider, attempts, resends
    and its own timeline."""
    message = queries.message_detail(pk, user=request.user)
    if message is None:
        raise Http404
    timeline = queries.message_timeline(message)
    return render(
        request, "notifications/message_detail.html", {"message": message, "timeline": timeline}
    )


@require_POST
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed message again (supervisors and administrators); audited."""
    if not request.user.has_perm("notifications.resend_message"):
        raise PermissionDenied
    message = queries.message_detail(pk, user=request.user)
    if message is None:
        raise Http404
    try:
        resend = services.resend_message(message, actor=request.user)
    except NotResendableError:
        if message.contains_secret:
            flash.error(request, SECRET_NOT_RESENT)
        else:
            flash.error(request, _("Only failed or undelivered messages can be sent again."))
        return redirect("notifications:message_detail", pk=message.pk)
    flash.success(request, _("The message was queued again."))
    return redirect("notifications:message_detail", pk=resend.pk)


# --- delivery reports pushed by providers ---------------------------------------------------


def _address_allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.KHEDMAT_SMS_CALLBACK_IPS:
        try:
            if ip in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            logger.warning("KHEDMAT_SMS_CALLBACK_IPS holds an invalid entry: %r", allowed)
    return False


def callback_allowed(request: HttpRequest) -> bool:
    """The shared secret in ?token= matches, or the caller's address is on the allow-list."""
    secret = settings.KHEDMAT_SMS_CALLBACK_TOKEN
    token = request.GET.get("token", "")
    if secret and token and hmac.compare_digest(token.encode(), secret.encode()):
        return True
    return _address_allowed(client_ip(request))


def _without_nul(value: Any) -> Any:
    """A report's value without NUL characters, which no text column or JSON field of
    PostgreSQL can hold (a provider's junk must not turn into a server error)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(str(key)): _without_nul(item) for key, item in value.items()}
    return value


def _lowered(item: dict[str, Any]) -> dict[str, Any]:
    return {
        _without_nul(str(key)).lower().replace("-", "_"): _without_nul(value)
        for key, value in item.items()
    }


def _payload_items(request: HttpRequest) -> list[dict[str, Any]]:
    """The report(s) in a JSON body (an object, a list, or a list under a key) or form fields."""
    if request.content_type == "application/json":
        try:
            data = load_json(request.body or b"null")
        except ValueError:  # not JSON, not UTF-8, or nested too deeply
            return []
        if isinstance(data, dict):
            nested = next((v for v in data.values() if isinstance(v, list)), None)
            data = nested if nested is not None else [data]
        return (
            [_lowered(item) for item in data if isinstance(item, dict)]
            if isinstance(data, list)
            else []
        )
    fields = request.POST if request.method == "POST" else request.GET
    return [_lowered({key: fields.get(key) for key in fields if key != "token"})]


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    return next((str(item[key]) for key in keys if item.get(key) not in (None, "")), "")


def _reports(provider: str, request: HttpRequest) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for item in _payload_items(request):
        provider_id, code = _first(item, ID_KEYS), _first(item, STATUS_KEYS)
        if provider_id and code:
            status = code if code in DeliveryStatus.values else report_status(provider, code)
            yield provider_id, str(status), item


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def sms_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider pushes delivery reports here; refused (403) without the token or an allowed address."""
    if not callback_allowed(request):
        return JsonResponse({"detail": "forbidden"}, status=403)
    if provider not in known_providers():
        raise Http404
    updated = 0
    for provider_id, status, item in _reports(provider, request):
        message = services.record_delivery_report(
            provider, provider_id, status, data={"report": item}
        )
        updated += message is not None
    return JsonResponse({"received": updated})
