"""An operator's walk-in complaint links only a request that operator may see: another unit's
request reads exactly like an unknown code, and nothing is filed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import OrgUnit, User
from khedmat.complaints.errors import RequestNotYoursError
from khedmat.complaints.models import Complaint

pytestmark = pytest.mark.django_db

UNKNOWN_CODE = "999999999999"


@pytest.fixture
def far_operator(make_user: Callable[..., User]) -> User:
    """A desk operator of an unrelated agency."""
    elsewhere = OrgUnit.objects.create(code="far-agency", name="Far agency")
    return make_user("far-operator", roles=["operator"], org_unit=elsewhere)


def walk_in(request_code: str) -> dict[str, str]:
    """A walk-in complaint about a request, with the request's applicant's national code."""
    return {
        "complainant_name": "Reza",
        "national_code": "0013542419",
        "language": "fa",
        "request_code": request_code,
        "subject": "Slow",
        "text": "Nothing for a month.",
    }


def errors_of(response: Any) -> list[str]:
    return [str(error) for error in response.context["form"].non_field_errors()]


def test_another_units_request_reads_like_an_unknown_code(
    client: Client,
    far_operator: User,
    verified_login: Any,
    submit: Any,
    complaint_templates: None,
    inspection: OrgUnit,
) -> None:
    ticket = submit()
    verified_login(client, far_operator)
    unknown = client.post("/desk/complaints/new/", walk_in(UNKNOWN_CODE))
    foreign = client.post("/desk/complaints/new/", walk_in(ticket.tracking_code))
    assert (unknown.status_code, foreign.status_code) == (200, 200)
    assert errors_of(foreign) == errors_of(unknown) == [str(RequestNotYoursError.default_message)]
    assert Complaint.objects.count() == 0


def test_an_operator_of_the_requests_unit_links_it(
    client: Client,
    desk_operator: User,
    verified_login: Any,
    submit: Any,
    complaint_templates: None,
    inspection: OrgUnit,
) -> None:
    ticket = submit()
    verified_login(client, desk_operator)
    response = client.post("/desk/complaints/new/", walk_in(ticket.tracking_code))
    assert response.status_code == 302
    assert Complaint.objects.get().ticket == ticket
