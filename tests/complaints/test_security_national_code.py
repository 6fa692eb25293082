"""A complaint about a request: a signed-in complainant must follow the request; the national code
their account typed proves nothing (issue 20, item 1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from khedmat.accounts.models import User
from khedmat.complaints import services
from khedmat.complaints.errors import RequestNotYoursError
from khedmat.complaints.models import Complaint
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("complaint_templates")]


@pytest.fixture
def ticket(submit: Submit) -> Ticket:
    return submit()  # the citizen's, for national code 0013542419


def test_a_signed_in_complainant_with_a_typed_code_of_the_principal_is_refused(
    ticket: Ticket, make_user: Callable[..., User]
) -> None:
    impostor = make_user(
        "impostor",
        mobile="+989352222222",
        national_code=ticket.principal_national_code,
        password=None,
    )
    complainant = services.Complainant(
        name="Ali Rahimi", national_code=impostor.national_code or "", user=impostor
    )
    with pytest.raises(RequestNotYoursError):
        services.file_complaint(
            complainant=complainant, subject="Slow", text="Too slow.", ticket=ticket
        )
    assert not Complaint.objects.exists()


def test_the_principal_with_a_verified_code_complains_about_the_request(
    ticket: Ticket, citizen: User
) -> None:
    complainant = services.Complainant(
        name="Zahra Karimi", national_code=citizen.national_code or "", user=citizen
    )
    complaint = services.file_complaint(
        complainant=complainant, subject="Slow", text="Too slow.", ticket=ticket
    )
    assert complaint.ticket == ticket


def test_a_walk_in_complainant_still_proves_the_request_by_its_national_code(
    ticket: Ticket,
) -> None:
    complainant = services.Complainant(name="Zahra Karimi", national_code="0013542419")
    complaint = services.file_complaint(
        complainant=complainant, subject="Slow", text="Too slow.", ticket=ticket
    )
    assert complaint.ticket == ticket and complaint.complainant is None
