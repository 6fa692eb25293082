"""Demo requests on the demo catalog, in every stage (idempotent).

`load_demo_requests()` files seven requests through the real services for the demo applicant: online,
at the desk (filed by the demo operator), and one by a representative; then moves them along with the
demo agent: under review, returned for correction (naming the fields), rejected (so an objection can
be tried), completed. Their SMS go to the outbox. A request already filed (same filer and
submission key) is left as it is. Load the demo users and the demo catalog first.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from khedmat.accounts.models import User
from khedmat.catalog.choices import FieldType
from khedmat.catalog.formbuilder import condition_holds, rows_of, split_rows
from khedmat.catalog.formbuilder.uploads import file_descriptor
from khedmat.catalog.models import FormField, RequiredDocument, Service, ServiceVersion
from khedmat.tickets import services, walkin
from khedmat.tickets.choices import Capacity, IntakeChannel, Status
from khedmat.tickets.documents import document_key, upload_documents
from khedmat.tickets.models import Ticket

# A 1×1 white PNG and a one-page PDF: small, and real files of their types.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

#: The demo applicant's national code when their account has none yet.
APPLICANT_NATIONAL_CODE = "0078456126"
KEY_PREFIX = "demo-request-"
DEMO_USERNAMES = ("applicant", "operator", "agent")


@dataclass(frozen=True)
class Person:
    """Someone a demo request is for."""

    first_name: str
    last_name: str
    national_code: str
    mobile: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


FATHER = Person("محمود", "محمدی", "1287345093", "")


@dataclass(frozen=True)
class DemoRequest:
    """One demo request: its service, answers beyond the defaults, channel and final status."""

    key: str
    service_code: str
    status: str
    answers: Callable[[Person], dict[str, Any]]
    walk_in: bool = False
    for_father: bool = False
    correction: Sequence[str] = ()  # answer keys, and "doc:<n>" for the n-th uploaded document
    note: str = ""
    documents: Sequence[int] = field(default_factory=tuple)  # optional documents to upload too


def _days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _new_licence(person: Person) -> dict[str, Any]:
    return {
        "applicant_kind": "natural",
        "email": "h.mohammadi@example.ir",
        "guild": "bakery",
        "place": ["tehran", "tehran"],
        "address": "تهران، خیابان آزادی، خیابان اسکندری شمالی، کوچه نیک‌نام، پلاک ۱۸، همکف",
        "postal_code": "1345673811",
        "shop_area": 65,
        "start_date": _days(20),
        "opening_time": "06:00",
        "location": "35.6997, 51.3661",
        "has_partners": True,
        "partners": [
            {
                "partner_name": "مریم رضایی",
                "partner_national_code": "0021953740",
                "partner_share": 40,
            }
        ],
        "agree": True,
    }


def _renewal(licence_number: str) -> Callable[[Person], dict[str, Any]]:
    def answers(person: Person) -> dict[str, Any]:
        return {"licence_number": licence_number, "expiry": _days(25)}

    return answers


def _duplicate(person: Person) -> dict[str, Any]:
    return {"reason": "lost"}


def _complaint(person: Person) -> dict[str, Any]:
    return {
        "shop_name": "فروشگاه لوازم خانگی نور",
        "place": ["isfahan", "kashan"],
        "purchase_date": _days(-18),
        "amount": 48_500_000,
        "complaint": (
            "یخچالی که خریدم پس از سه روز از کار افتاد و فروشگاه با وجود کارت ضمانت، "
            "از تعویض یا تعمیر آن خودداری می‌کند."
        ),
    }


def _operating_licence(person: Person) -> dict[str, Any]:
    return {"permit_number": "1401-7732"}


def _trade_card(person: Person) -> dict[str, Any]:
    return {"nationality": "iranian"}


DEMO_REQUESTS = (
    DemoRequest("new-licence", "10012656000sh13", Status.SUBMITTED, _new_licence, documents=(1,)),
    DemoRequest("renewal", "10012656000sh14", Status.IN_PROGRESS, _renewal("1402058831")),
    DemoRequest(
        "duplicate",
        "10012656000sh15",
        Status.WAITING_APPLICANT,
        _duplicate,
        correction=("loss_notice", "doc:0"),
        note="تصویر آگهی روزنامه خوانا نیست؛ لطفاً نسخه‌ای واضح از آگهی و گواهی مفقودی بارگذاری کنید.",
    ),
    DemoRequest(
        "complaint",
        "17041325130",
        Status.REJECTED,
        _complaint,
        note=(
            "رسیدگی به خودداری از اجرای ضمانت‌نامه در صلاحیت سازمان تعزیرات حکومتی است؛ "
            "می‌توانید شکایت را در سامانه ۱۲۴ ثبت کنید یا به این تصمیم اعتراض کنید."
        ),
    ),
    DemoRequest(
        "operating-licence",
        "13091710103-01",
        Status.COMPLETED,
        _operating_licence,
        note="پروانه بهره‌برداری صادر شد و از پیشخوان خدمت قابل دریافت است.",
    ),
    DemoRequest("trade-card", "17041325121", Status.SUBMITTED, _trade_card, for_father=True),
    DemoRequest(
        "walk-in-renewal",
        "10012656000sh14",
        Status.SUBMITTED,
        _renewal("1399114402"),
        walk_in=True,
    ),
)


@dataclass(frozen=True)
class DemoRequestRow:
    """What the demo command prints of a demo request, to try it on /track/."""

    tracking_code: str
    national_code: str
    status: str
    service_code: str
    channel: str


# --- answers per field type -------------------------------------------------------------------


def _upload(extensions: Sequence[str], name: str) -> SimpleUploadedFile:
    """A small real file of the first allowed type we can make (PDF, else PNG)."""
    if "pdf" in extensions:
        return SimpleUploadedFile(f"{name}.pdf", PDF, content_type="application/pdf")
    return SimpleUploadedFile(f"{name}.png", PNG, content_type="image/png")


def _default_value(row: FormField, person: Person) -> Any:
    """A plausible answer of the row's type that passes its validation."""
    kind = row.field_type
    values: dict[str, Any] = {
        FieldType.TEXT: "نمونه",
        FieldType.LONG_TEXT: "شرح کامل درخواست برای بررسی کارشناس مربوط.",
        FieldType.DATE: _days(-30),
        FieldType.TIME: "08:30",
        FieldType.CHECKBOX: True,
        FieldType.NATIONAL_CODE: person.national_code,
        FieldType.MOBILE: person.mobile,
        FieldType.POSTAL_CODE: "1591634511",
        FieldType.EMAIL: "applicant@example.ir",
        FieldType.LOCATION: "35.6892, 51.3890",
    }
    if kind in values:
        return values[kind]
    if kind == FieldType.NUMBER:
        low, high = row.option("min"), row.option("max")
        return min(high, max(low or 0, 10)) if high is not None else max(low or 0, 10)
    if kind == FieldType.SELECT:
        return row.option("options", [])[0]["value"]
    if kind == FieldType.CASCADING_SELECT:
        path, options = [], row.option("options", [])
        for _level in row.option("levels", []):
            path.append(options[0]["value"])
            options = options[0].get("children") or []
        return path
    raise ValueError(f"no demo answer for a {kind} field ({row.key})")


@dataclass
class Filled:
    """Raw answers and documents of a demo request, and their files by answer path or document key."""

    answers: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)
    files: dict[str, list[SimpleUploadedFile]] = field(default_factory=dict)

    def attach(self, path: str, upload: SimpleUploadedFile) -> list[dict[str, Any]]:
        self.files[path] = [upload]
        return [file_descriptor(upload)]


def fill_answers(version: ServiceVersion, person: Person, overrides: Mapping[str, Any]) -> Filled:
    """Answers to every field shown (show-if followed), with files for the file fields."""
    filled = Filled()
    top, children = split_rows(rows_of(version))
    for row in top:
        condition = row.show_if if isinstance(row.show_if, dict) else {}
        target = condition.get("field")
        if target and not condition_holds(condition, filled.answers.get(target)):
            continue
        if row.field_type in (FieldType.FILE, FieldType.IMAGE):
            default = ["pdf"] if row.field_type == FieldType.FILE else ["png"]
            upload = _upload(row.option("allowed_types", default), row.key)
            filled.answers[row.key] = filled.attach(row.key, upload)
        elif row.key in overrides:
            filled.answers[row.key] = overrides[row.key]
        elif row.field_type == FieldType.GROUP:
            count = max(row.option("min_rows", 0), 1)
            filled.answers[row.key] = [
                {child.key: _default_value(child, person) for child in children[row.key]}
                for _ in range(count)
            ]
        else:
            filled.answers[row.key] = _default_value(row, person)
    return filled


def fill_documents(
    filled: Filled, documents: Sequence[RequiredDocument], optional: Sequence[int]
) -> None:
    """A file for each mandatory uploaded document, and the optional ones chosen by position."""
    for position, document in enumerate(documents):
        if not document.is_mandatory and position not in optional:
            continue
        key, name = document_key(document.pk), slugify(document.title_en) or "document"
        upload = _upload([str(item).lower() for item in document.allowed_types or ["pdf"]], name)
        filled.documents[key] = filled.attach(key, upload)


# --- loading ----------------------------------------------------------------------------------


def _person(user: User) -> Person:
    return Person(
        first_name=user.first_name,
        last_name=user.last_name,
        national_code=user.national_code or APPLICANT_NATIONAL_CODE,
        mobile=user.mobile or "",
    )


def file_demo_request(
    spec: DemoRequest, version: ServiceVersion, applicant: User, filer: User
) -> Ticket:
    """File one demo request: online by the applicant, or at the desk by the operator."""
    person = _person(applicant)
    principal_person = FATHER if spec.for_father else person
    overrides = {"mobile": person.mobile, **spec.answers(person)}
    filled = fill_answers(version, principal_person, overrides)
    fill_documents(filled, upload_documents(version), spec.documents)
    values: dict[str, Any] = {
        "answers": filled.answers,
        "documents": filled.documents,
        "files": filled.files,
        "submission_key": KEY_PREFIX + spec.key,
    }
    if spec.walk_in:
        at_desk = walkin.WalkInApplicant(
            mobile=person.mobile,
            national_code=person.national_code,
            first_name=person.first_name,
            last_name=person.last_name,
        )
        ticket = walkin.submit_walk_in(version, applicant=at_desk, operator=filer, **values)
        services.finish_submission(ticket.pk)  # as below: the "filed" SMS before the next move
        return ticket
    representation = None
    if spec.for_father:
        representation = services.Representation(
            capacity=Capacity.ATTORNEY, name=person.name, national_code=person.national_code
        )
    principal = services.Principal(
        name=principal_person.name,
        national_code=principal_person.national_code,
        mobile=person.mobile,
    )
    ticket = services.submit_request(
        version,
        requester=applicant,
        filed_by=applicant,
        principal=principal,
        representation=representation,
        channel=IntakeChannel.ONLINE,
        **values,
    )
    # The demo moves the request on at once: its "filed" SMS goes first, as the worker would
    # have sent it by the time an agent acts (the queued job then finds it done).
    services.finish_submission(ticket.pk)
    return ticket


def _move(ticket: Ticket, spec: DemoRequest, agent: User | None) -> Ticket:
    """Take the request to the spec's status the way an agent would."""
    if spec.status == Status.SUBMITTED:
        return ticket
    ticket = services.start_review(ticket, actor=agent)
    if spec.status == Status.WAITING_APPLICANT:
        documents = [document_key(item.pk) for item in upload_documents(ticket.service_version)]
        fields = [
            documents[int(key[4:])] if key.startswith("doc:") else key for key in spec.correction
        ]
        return services.return_for_correction(ticket, fields=fields, note=spec.note, actor=agent)
    if spec.status == Status.REJECTED:
        return services.reject_request(ticket, reason=spec.note, actor=agent)
    if spec.status == Status.COMPLETED:
        return services.complete_request(ticket, note=spec.note, actor=agent)
    return ticket


def demo_row(ticket: Ticket) -> DemoRequestRow:
    return DemoRequestRow(
        tracking_code=ticket.tracking_code,
        national_code=ticket.principal_national_code,
        status=str(ticket.status),
        service_code=ticket.service.code,
        channel=str(ticket.channel),
    )


@transaction.atomic
def load_demo_requests() -> list[DemoRequestRow]:
    """File the demo requests not filed yet and move them to their stage; all of them, in order."""
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERNAMES)}
    applicant = users.get("applicant")
    if applicant is None:
        return []
    operator, agent = users.get("operator"), users.get("agent")
    versions = {
        service.code: service.current_version
        for service in Service.objects.published().select_related("current_version")
    }
    rows = []
    for spec in DEMO_REQUESTS:
        version = versions.get(spec.service_code)
        filer = operator if spec.walk_in else applicant
        if version is None or filer is None:
            continue
        ticket = Ticket.objects.filter(filed_by=filer, submission_key=KEY_PREFIX + spec.key).first()
        if ticket is None:
            ticket = _move(file_demo_request(spec, version, applicant, filer), spec, agent)
        rows.append(demo_row(ticket))
    return rows
