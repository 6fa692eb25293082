"""Staff kept to configured networks and hours (ASVS 4.3.3-style adaptive restriction): a refused
staff member gets a translated 403 and one Activity row; applicants are never concerned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.config import ConfigError
from khedmat.core.models import Activity
from khedmat.core.security import address_allowed, time_allowed
from tests.core.test_security_headers import settings_with

pytestmark = pytest.mark.django_db

OFFICE = "10.20.0.0/16"
PROXY = "127.0.0.1"
TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


def refusals(user: User) -> list[Activity]:
    return list(Activity.objects.filter(verb="user.access_refused", target_id=str(user.pk)))


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 5, 4, hour, minute, tzinfo=TEHRAN)


class TestRules:
    def test_networks(self) -> None:
        assert address_allowed("203.0.113.5", []) is True  # nothing configured: anywhere
        assert address_allowed("10.20.3.4", [OFFICE]) is True
        assert address_allowed("10.21.3.4", [OFFICE]) is False
        assert address_allowed("::ffff:10.20.3.4", [OFFICE]) is True
        assert address_allowed("2001:db8::7", [OFFICE, "2001:db8::/48"]) is True
        assert address_allowed(None, [OFFICE]) is False

    def test_hours_in_the_agency_time_zone(self, settings: SettingsWrapper) -> None:
        settings.TIME_ZONE = "Asia/Tehran"
        timezone.activate("Asia/Tehran")
        try:
            assert time_allowed(at(7, 0), "07:00-19:00") is True
            assert time_allowed(at(18, 59), "07:00-19:00") is True
            assert time_allowed(at(19, 0), "07:00-19:00") is False
            assert time_allowed(at(6, 59), "07:00-19:00") is False
            assert time_allowed(at(23, 30), "22:00-06:00") is True  # a night shift
            assert time_allowed(at(12, 0), "22:00-06:00") is False
            assert time_allowed(at(3, 0), "") is True
        finally:
            timezone.deactivate()

    def test_bad_settings_stop_start_up(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(ConfigError, match="KHEDMAT_STAFF_ALLOWED_NETWORKS"):
            settings_with(monkeypatch, KHEDMAT_STAFF_ALLOWED_NETWORKS="office-lan")
        with pytest.raises(ConfigError, match="KHEDMAT_STAFF_HOURS"):
            settings_with(
                monkeypatch, KHEDMAT_STAFF_ALLOWED_NETWORKS="", KHEDMAT_STAFF_HOURS="7-19"
            )
        values = settings_with(
            monkeypatch, KHEDMAT_STAFF_ALLOWED_NETWORKS=OFFICE, KHEDMAT_STAFF_HOURS="07:00-19:00"
        )
        assert values["KHEDMAT_STAFF_ALLOWED_NETWORKS"] == [OFFICE]
        assert values["KHEDMAT_STAFF_HOURS"] == "07:00-19:00"


@pytest.fixture
def office_only(settings: SettingsWrapper) -> SettingsWrapper:
    settings.KHEDMAT_STAFF_ALLOWED_NETWORKS = [OFFICE]
    return settings


class TestNetworks:
    def test_staff_outside_the_office_network_are_refused_and_logged_once(
        self, office_only: Any, agent: User, verified_login: Any
    ) -> None:
        client = verified_login(Client(REMOTE_ADDR="198.51.100.7"), agent)
        client.cookies["khedmat_language"] = "en"
        response = client.get("/desk/")
        assert response.status_code == 403
        assert "cannot be used from this network" in response.content.decode()
        assert client.get("/desk/requests/").status_code == 403
        assert client.get("/admin/").status_code == 403
        api = client.get("/api/v1/requests/")
        assert api.status_code == 403
        assert "not allowed" in api.json()["detail"]
        [row] = refusals(agent)
        assert row.data == {"reason": "network", "ip_address": "198.51.100.7", "path": "/desk/"}

    def test_the_refusal_page_is_translated(
        self, office_only: Any, agent: User, verified_login: Any
    ) -> None:
        client = verified_login(Client(REMOTE_ADDR="198.51.100.7"), agent)
        with translation.override("fa"):
            page = client.get("/desk/", headers={"accept-language": "fa"})
        assert page.status_code == 403
        assert 'lang="fa"' in page.content.decode()
        assert 'dir="rtl"' in page.content.decode()

    def test_staff_inside_the_network_work_as_usual(
        self, office_only: Any, agent: User, verified_login: Any
    ) -> None:
        client = verified_login(Client(REMOTE_ADDR="10.20.5.6"), agent)
        assert client.get("/desk/").status_code == 200
        assert refusals(agent) == []

    def test_superusers_are_refused_too(
        self, office_only: Any, administrator: User, verified_login: Any
    ) -> None:
        client = verified_login(Client(REMOTE_ADDR="198.51.100.7"), administrator)
        assert client.get("/admin/").status_code == 403

    def test_the_address_behind_a_trusted_proxy_is_the_client_s(
        self, office_only: Any, agent: User, verified_login: Any
    ) -> None:
        office_only.KHEDMAT_TRUSTED_PROXY_COUNT = 1
        office_only.KHEDMAT_TRUSTED_PROXIES = [PROXY]
        client = verified_login(Client(REMOTE_ADDR=PROXY), agent)
        inside = client.get("/desk/", headers={"x-forwarded-for": "10.20.9.9"})
        assert inside.status_code == 200
        # a forged left-most entry is not read: the proxy appended the real address
        outside = client.get("/desk/", headers={"x-forwarded-for": "10.20.9.9, 198.51.100.7"})
        assert outside.status_code == 403

    def test_logout_stays_open_and_applicants_are_not_concerned(
        self, office_only: Any, agent: User, applicant: User, verified_login: Any
    ) -> None:
        client = verified_login(Client(REMOTE_ADDR="198.51.100.7"), agent)
        assert client.post("/accounts/logout/").status_code == 302
        citizen = Client(REMOTE_ADDR="198.51.100.7")
        citizen.force_login(applicant)
        assert citizen.get("/requests/").status_code == 200
        assert refusals(applicant) == []


class TestHours:
    def test_staff_outside_the_hours_are_refused(
        self,
        settings: SettingsWrapper,
        agent: User,
        verified_login: Any,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        settings.KHEDMAT_STAFF_HOURS = "07:00-19:00"
        monkeypatch.setattr(timezone, "now", lambda: at(21, 15))
        client = verified_login(Client(), agent)
        client.cookies["khedmat_language"] = "en"
        response = client.get("/desk/")
        assert response.status_code == 403
        assert "only during working hours (07:00-19:00)" in response.content.decode()
        [row] = refusals(agent)
        assert row.data["reason"] == "hours"
        monkeypatch.setattr(timezone, "now", lambda: at(9, 0))
        assert client.get("/desk/").status_code == 200
