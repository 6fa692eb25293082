"""Catalog fixtures: categories and services made through the real catalog services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from khedmat.accounts.models import OrgUnit
from khedmat.catalog import services
from khedmat.catalog.models import Category, Service

# A valid Iranian IBAN (Sheba): IR, check digits 34, then 22 digits.
SHEBA = "IR340100000000000012345678"


def card_values(**overrides: Any) -> dict[str, Any]:
    """A card with every R-3 field filled, in three languages where text is shown."""
    values: dict[str, Any] = {
        "title_fa": "صدور پروانه کسب",
        "title_ar": "إصدار رخصة العمل",
        "title_en": "Business licence",
        "process_title_fa": "فرایند صدور پروانه",
        "process_title_ar": "عملية إصدار الرخصة",
        "process_title_en": "Licence process",
        "description_fa": "شرح کامل خدمت صدور پروانه",
        "description_ar": "وصف كامل لخدمة إصدار الرخصة",
        "description_en": "Full description of the licence service",
        "keywords": "جواز کسب",
        "service_types": ["g2c", "g2b"],
        "audiences": ["iranian_nationals", "businesses"],
        "nature": "sovereign",
        "levels": ["provincial", "city"],
        "life_events": ["business"],
        "start_trigger": "applicant_request",
        "legal_basis_fa": "قانون نظام صنفی ماده ۱۲",
        "legal_basis_ar": "قانون النظام المهني المادة 12",
        "legal_basis_en": "Guild law article 12",
        "duration_amount": 15,
        "duration_unit": "working_days",
        "service_hours_fa": "شنبه تا چهارشنبه ۸ تا ۱۴",
        "service_hours_ar": "من السبت إلى الأربعاء",
        "service_hours_en": "Saturday to Wednesday",
        "in_person_visits": 1,
        "frequency": "repeatable",
        "frequency_count": 2,
        "frequency_period": "year",
        "recipients_per_month": 1200,
        "recipients_per_year": 14400,
        "complaint_channel_fa": "سامانه ۱۱۱ سامد",
        "complaint_channel_ar": "منظومة 111",
        "complaint_channel_en": "The 111 system",
        "contact_phone": "021-33445566",
        "contact_email": "desk@example.ir",
        "submission_place_fa": "پیشخوان خدمت طبقه همکف",
        "submission_place_ar": "مكتب الخدمة",
        "submission_place_en": "Service desk, ground floor",
        "answer_place_fa": "کارتابل متقاضی",
        "answer_place_ar": "صندوق مقدم الطلب",
        "answer_place_en": "Applicant inbox",
        "sla_statement_fa": "پاسخ در مدت اعلام‌شده",
        "sla_statement_ar": "الرد خلال المدة",
        "sla_statement_en": "Answer within the stated time",
        "notes_fa": "توضیحات دیگر",
        "notes_ar": "ملاحظات أخرى",
        "notes_en": "Other notes",
        "form_filler_name": "مریم احمدی",
        "form_filler_position": "کارشناس تحول اداری",
        "form_filler_phone": "021-33445570",
        "approving_authority_fa": "رئیس سازمان",
        "approving_authority_ar": "رئيس المنظمة",
        "approving_authority_en": "Head of the organisation",
    }
    values.update(overrides)
    return values


def card_rows(**overrides: Any) -> dict[str, list[dict[str, Any]]]:
    """One row of every kind; stages {e, e, e, in person}."""
    rows: dict[str, list[dict[str, Any]]] = {
        "documents": [
            {"title_fa": "اجاره‌نامه", "title_en": "Lease", "max_size_kb": 2048, "max_count": 2},
            {
                "title_fa": "گواهی عدم سوء پیشینه",
                "title_en": "Record certificate",
                "source": "inquiry",
                "inquiry_provider": "قوه قضاییه",
            },
        ],
        "steps": [{"title_fa": "ثبت درخواست", "title_en": "Apply"}],
        "fees": [
            {
                "title_fa": "هزینه صدور",
                "title_en": "Issue fee",
                "amount": 1_200_000,
                "currency": "IRR",
                "beneficiary": "خزانه",
                "bank_account": SHEBA,
            }
        ],
        "faq": [{"question_fa": "چقدر طول می‌کشد؟", "answer_fa": "پانزده روز کاری"}],
        "stages": [
            {"stage": "information", "is_electronic": True, "channels": ["portal"]},
            {"stage": "request", "is_electronic": True, "channels": ["portal", "mobile_app"]},
            {"stage": "processing", "is_electronic": True, "channels": ["portal"]},
            {"stage": "delivery", "is_electronic": False, "channels": ["in_person"]},
        ],
        "inquiries": [
            {"title_fa": "استعلام هویت", "agency": "ثبت احوال", "system": "GSB", "is_online": True}
        ],
        "form_fields": [
            {"key": "national_code", "field_type": "national_code", "label_fa": "کد ملی"},
        ],
    }
    rows.update(overrides)
    return rows


@pytest.fixture
def category(db: None) -> Category:
    return Category.objects.create(
        code="licences", name_fa="مجوزها", name_ar="التراخيص", name_en="Licences", position=1
    )


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    agency = OrgUnit.objects.create(code="agency", name="سازمان صمت")
    parent = OrgUnit.objects.create(code="industry-ministry", name="وزارت صمت")
    agency.parent = parent
    agency.save()
    office = OrgUnit.objects.create(code="licence-office", name="اداره صدور مجوز", parent=agency)
    return {"agency": agency, "office": office, "ministry": parent}


MakeService = Callable[..., Service]


@pytest.fixture
def make_service(category: Category, units: dict[str, OrgUnit]) -> MakeService:
    """make_service(code, publish=True, parent=None, card={...}, rows={...}) -> Service."""

    def make(
        code: str,
        *,
        publish: bool = True,
        parent: Service | None = None,
        card: dict[str, Any] | None = None,
        rows: dict[str, Any] | None = None,
        target_category: Category | None = None,
    ) -> Service:
        values = card_values(
            agency_id=units["agency"].pk, responsible_unit_id=units["office"].pk, **(card or {})
        )
        service = services.create_service(
            code,
            category=target_category or category,
            parent=parent,
            card=values,
            rows=card_rows(**(rows or {})),
            actor=None,
        )
        if publish:
            services.publish_service(service, actor=None)
        return Service.objects.get(pk=service.pk)

    return make


@pytest.fixture
def outside_requests() -> list[str]:
    """URLs a page of the browser tests asked for outside this machine (make_page fills it)."""
    return []
