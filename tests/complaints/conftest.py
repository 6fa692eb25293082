"""Complaint fixtures: a published service, an applicant's request, the complaints unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import OrgUnit, User
from khedmat.complaints import services
from khedmat.complaints.models import Complaint
from tests.complaints.helpers import FileComplaint, install_complaint_templates


@pytest.fixture
def complaint_templates(templates: None) -> None:
    install_complaint_templates()


@pytest.fixture
def inspection(units: dict[str, OrgUnit], settings: SettingsWrapper) -> OrgUnit:
    """The complaints/inspection unit, under the agency, named by KHEDMAT_COMPLAINTS_UNIT."""
    unit = OrgUnit.objects.create(code="inspection", name="بازرسی و شکایات", parent=units["agency"])
    settings.KHEDMAT_COMPLAINTS_UNIT = "inspection"
    return unit


@pytest.fixture
def inspector(make_user: Callable[..., User], inspection: OrgUnit) -> User:
    return make_user("inspector", roles=["agent"], org_unit=inspection, first_name="Reza")


@pytest.fixture
def desk_operator(make_user: Callable[..., User], units: dict[str, OrgUnit]) -> User:
    return make_user("desk-operator", roles=["operator"], org_unit=units["office"])


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    """An agent of an unrelated agency."""
    other = OrgUnit.objects.create(code="elsewhere", name="Elsewhere")
    return make_user("stranger", roles=["agent"], org_unit=other)


@pytest.fixture
def file(
    service: Any,
    citizen: User,
    complaint_templates: None,
    inspection: OrgUnit,
) -> FileComplaint:
    """file(**overrides): the citizen's complaint about the service, through the real service."""

    def run(**overrides: Any) -> Complaint:
        values: dict[str, Any] = {
            "complainant": services.Complainant(
                name="زهرا کریمی",
                national_code="0013542419",
                mobile="+989121234567",
                user=citizen,
            ),
            "subject": "رفتار نامناسب",
            "text": "در باجه ۳ به پرسش من پاسخ داده نشد.",
            "service": service,
            "filed_by": citizen,
        }
        values.update(overrides)
        return services.file_complaint(**values)

    return run
