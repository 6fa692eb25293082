"""The receipt of a request (R-16) on screen and as a PDF, and the applicant's list of requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from khedmat.catalog.models import Fee, ServiceStep, ServiceVersion
from khedmat.core.digits import fold_digits
from khedmat.core.pagination import Page, keyset_page
from khedmat.core.tracking import is_valid_tracking_code, normalize_tracking_code
from khedmat.tickets.choices import HandlerDisplay
from khedmat.tickets.models import Ticket
from khedmat.tickets.services import can_follow, message_mobile, public_link

#: The font the PDF embeds (our own copy, never fetched from the network).
FONT_PATH = "vendor/vazirmatn/Vazirmatn-Variable.woff2"
REQUESTS_PER_PAGE = 20


# --- the receipt -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """Everything R-16 puts on a receipt, read once for the page and the PDF."""

    ticket: Ticket
    version: ServiceVersion
    steps: list[ServiceStep]
    fees: list[Fee]
    handler: str
    masked_mobile: str
    #: A representative gave the principal's mobile: not verified, so it gets no SMS (R-13).
    unverified_mobile: bool
    follow_up_url: str
    qr_svg: SafeString = field(repr=False)

    @property
    def tracking_code(self) -> str:
        return self.ticket.tracking_code


def receipt_ticket(code: str) -> Ticket:
    """The request with a tracking code and what its receipt shows; Ticket.DoesNotExist if none.

    A malformed code (wrong check digit) is refused before any database look-up (R-15).
    """
    if not is_valid_tracking_code(code):
        raise Ticket.DoesNotExist("not a tracking code")
    return (
        Ticket.objects.select_related(
            "service", "service_version__responsible_unit", "assignee", "team", "requester"
        )
        .prefetch_related("service_version__steps", "service_version__fees")
        .get(tracking_code=normalize_tracking_code(code))
    )


def can_view_receipt(ticket: Ticket, user: Any) -> bool:
    """Whether `user` may see the receipt of `ticket` (the views answer 404 otherwise).

    The applicant who follows the request or for whom it was filed; or staff allowed to view
    requests who see it in the desk (`visible_to_staff`: filed it, e.g. for a walk-in applicant
    (R-14), handle it, or work in its unit or above).
    """
    if can_follow(ticket, user):
        return True
    if not (getattr(user, "is_staff", False) and user.has_perm("tickets.view_ticket")):
        return False
    return Ticket.objects.visible_to_staff(user).filter(pk=ticket.pk).exists()


def build_receipt(ticket: Ticket) -> Receipt:
    """The receipt of a request loaded by `receipt_ticket` (no further queries)."""
    version = ticket.service_version
    link = public_link(ticket)
    return Receipt(
        ticket=ticket,
        version=version,
        steps=list(version.steps.all()),
        fees=list(version.fees.all()),
        handler=handler_text(ticket),
        masked_mobile=mask_mobile(message_mobile(ticket)),
        unverified_mobile=bool(ticket.principal_mobile)
        and ticket.principal_mobile != message_mobile(ticket),
        follow_up_url=link,
        qr_svg=qr_svg(link),
    )


def handler_text(ticket: Ticket) -> str:
    """Who handles the request: the person's name, or only their team (KHEDMAT_TRACK_HANDLER)."""
    if settings.KHEDMAT_TRACK_HANDLER == HandlerDisplay.NAME and ticket.assignee is not None:
        return ticket.assignee.get_full_name() or ""
    return ticket.team.name if ticket.team is not None else ""


def mask_mobile(mobile: str) -> str:
    """`+989121234567` as `0912***4567`: enough to recognise, not enough to call."""
    digits = fold_digits(mobile or "").strip().replace(" ", "")
    if digits.startswith("+98"):
        digits = "0" + digits[3:]
    if len(digits) < 8:
        return ""
    return f"{digits[:4]}***{digits[-4:]}"


def qr_svg(url: str) -> SafeString:
    """The follow-up address as an inline SVG QR code (for the phone camera)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, border=2, title=str(_("QR code of the follow-up address")), svgclass="qr-code"
    )
    # segno writes the markup itself from our own URL; nothing user-typed reaches it unescaped.
    return mark_safe(svg)  # noqa: S308


# --- the PDF -----------------------------------------------------------------------------------


def render_receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a PDF in the active language: RTL for fa/ar, Vazirmatn embedded."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    html = receipt_pdf_html(receipt)
    return bytes(HTML(string=html, base_url=str(static_root()), url_fetcher=_fetcher()).write_pdf())


def receipt_pdf_html(receipt: Receipt) -> str:
    """The HTML the PDF is printed from (the active language decides direction and digits)."""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    context = {
        "receipt": receipt,
        "LANG": language,
        "DIR": "rtl" if translation.get_language_bidi() else "ltr",
        "font_url": font_path().as_uri(),
        "printed_at": timezone.now(),
    }
    return render_to_string("tickets/receipt_pdf.html", context)


def font_path() -> Path:
    """Our copy of Vazirmatn, found like any static file."""
    found = finders.find(FONT_PATH)
    if not found or isinstance(found, list):
        raise FileNotFoundError(FONT_PATH)
    return Path(found).resolve()


def static_root() -> Path:
    """The static folder that holds the font: the only place the PDF may read files from."""
    return font_path().parents[2]


def _fetcher() -> Any:
    """A WeasyPrint URL fetcher that reads only data: URLs and files under the static folder."""
    from weasyprint.urls import URLFetcher

    allowed = static_root().as_uri() + "/"

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or url.startswith(allowed)) or ".." in url:
                raise ValueError(f"the receipt PDF may not load {url}")
            return super().fetch(url, headers)

    return StaticOnlyFetcher(allowed_protocols={"file", "data"})


# --- the applicant's requests ------------------------------------------------------------------


#: The applicant's own requests: newest first (a keyset page, see core.pagination).
REQUEST_ORDER = ("-submitted_at", "-id")


def applicant_requests(
    user: Any, *, after: str | None = None, limit: int = REQUESTS_PER_PAGE
) -> Page[Ticket]:
    """The requests a signed-in applicant follows, newest first, after the cursor `after`.

    One query whatever the page holds: the service title comes with the card version. Raises
    BadCursor for a cursor that names no position.
    """
    tickets = Ticket.objects.visible_to_applicant(user).select_related("service", "service_version")
    return keyset_page(tickets, order=REQUEST_ORDER, after=after, size=limit)
