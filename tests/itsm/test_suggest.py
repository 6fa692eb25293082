"""Known errors offered while an agent logs an incident (HTMX as the title is typed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import User
from khedmat.itsm import services
from khedmat.itsm.models import KnownError

pytestmark = pytest.mark.django_db
SUGGEST = "/desk/known-errors/suggest/"


@pytest.fixture
def vpn(it_agent: User, django_capture_on_commit_callbacks: Any) -> KnownError:
    with django_capture_on_commit_callbacks(execute=True):
        return services.create_known_error(
            title="قطع شدن وی‌پی‌ان پس از به‌روزرسانی",
            symptom="اتصال هر ده دقیقه قطع می‌شود",
            workaround="نمایه تازه وی‌پی‌ان را نصب کنید.",
            actor=it_agent,
        )


def test_typing_the_title_offers_the_matching_known_error(
    client: Client, it_agent: User, verified_login: Any, vpn: KnownError
) -> None:
    staff = verified_login(client, it_agent)
    found = staff.get(SUGGEST, {"title": "وی‌پی‌ان وصل نمی‌شود", "description": ""})
    assert found.status_code == 200
    assert f'data-known-error="{vpn.code}"' in found.content.decode()
    assert "نمایه تازه" in found.content.decode()
    nothing = staff.get(SUGGEST, {"title": "printer"})
    assert "data-known-error" not in nothing.content.decode()


def test_the_new_incident_form_asks_as_the_title_is_typed(
    client: Client, it_agent: User, verified_login: Any, vpn: KnownError
) -> None:
    page = verified_login(client, it_agent).get("/desk/incidents/new/").content.decode()
    assert f'hx-get="{SUGGEST}"' in page and 'hx-target="#known-error-suggestions"' in page
    refused = verified_login(client, it_agent).post(
        "/desk/incidents/new/", {"title": "وی‌پی‌ان قطع است", "impact": "bad"}
    )
    assert f'data-known-error="{vpn.code}"' in refused.content.decode()  # kept beside the errors


def test_only_staff_who_read_incidents_get_suggestions(
    client: Client, applicant: User, vpn: KnownError
) -> None:
    client.force_login(applicant)
    assert client.get(SUGGEST, {"title": "وی‌پی‌ان"}).status_code == 403
