"""Personas and shared fixtures."""

from __future__ import annotations

import pytest

# The fixtures tests of several apps share (helpers are imported from these modules).
pytest_plugins = [
    "tests.fixtures.accounts",
    "tests.fixtures.browser",
    "tests.fixtures.catalog",
    "tests.fixtures.config",
    "tests.fixtures.integrations",
    "tests.fixtures.jobs",
    "tests.fixtures.notifications",
    "tests.fixtures.processes",
    "tests.fixtures.sla",
    "tests.fixtures.surveys",
    "tests.fixtures.tickets",
]


@pytest.fixture
def staff_password() -> str:
    return "correct-horse-battery-9"


# --- personas (accounts) ---------------------------------------------------------------------
# A small organisation: ministry > directorate > office, and an unrelated agency. Every persona
# is made through accounts.services.create_user, so the roles, groups and is_staff are real.


@pytest.fixture
def org_units(db):  # type: ignore[no-untyped-def]
    from khedmat.accounts.models import OrgUnit

    ministry = OrgUnit.objects.create(code="ministry", name="Ministry")
    directorate = OrgUnit.objects.create(code="directorate", name="Directorate", parent=ministry)
    office = OrgUnit.objects.create(code="office", name="Licensing office", parent=directorate)
    other = OrgUnit.objects.create(code="other-agency", name="Other agency")
    return {"ministry": ministry, "directorate": directorate, "office": office, "other": other}


@pytest.fixture
def make_user(db, staff_password):  # type: ignore[no-untyped-def]
    """make_user("name", roles=[...], org_unit=..., ...) -> a User made by the real service."""
    from khedmat.accounts.services import create_user

    def make(username: str, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("password", staff_password)
        return create_user(username, actor=None, **kwargs)

    return make


@pytest.fixture
def verify_national_code(db):  # type: ignore[no-untyped-def]
    """verify_national_code(user): the mobile-ownership check asked for and answered "matched",
    through the real services (as the job does with the agency's answer)."""
    from django_tasks_db.models import DBTaskResult

    from khedmat.accounts import verification

    def verify(user):  # type: ignore[no-untyped-def]
        verification.request_national_code_check(user, actor=None)
        user = verification.settle_national_code_check(user, matched=True)
        # The job is done (as the worker would have): tests that count queued jobs see none.
        jobs = DBTaskResult.objects.filter(task_path__endswith=".verify_national_code_task")
        mine = [job.pk for job in jobs if job.args_kwargs["args"][0] == user.pk]
        jobs.filter(pk__in=mine).delete()
        return user

    return verify


@pytest.fixture
def applicant(make_user, verify_national_code):  # type: ignore[no-untyped-def]
    """An applicant whose national code is verified (their mobile is registered to it)."""
    user = make_user(
        "applicant", roles=["applicant"], mobile="09121234567", national_code="0013542419"
    )
    return verify_national_code(user)


@pytest.fixture
def operator(make_user, org_units):  # type: ignore[no-untyped-def]
    return make_user("operator", roles=["operator"], org_unit=org_units["office"])


@pytest.fixture
def agent(make_user, org_units):  # type: ignore[no-untyped-def]
    from khedmat.accounts.models import Team

    user = make_user("agent", roles=["agent"], org_unit=org_units["office"], first_name="Sara")
    team = Team.objects.create(code="licences", name="Licences", org_unit=org_units["office"])
    team.members.add(user)
    return user


@pytest.fixture
def supervisor(make_user, org_units):  # type: ignore[no-untyped-def]
    return make_user("supervisor", roles=["supervisor"], org_unit=org_units["directorate"])


@pytest.fixture
def administrator(make_user):  # type: ignore[no-untyped-def]
    """An administrator by role (pytest-django's `admin_user` is a plain superuser)."""
    return make_user("administrator", roles=["admin"])


@pytest.fixture
def outsider(make_user, org_units):  # type: ignore[no-untyped-def]
    """An agent of another agency, in its own team."""
    from khedmat.accounts.models import Team

    user = make_user("outsider", roles=["agent"], org_unit=org_units["other"])
    team = Team.objects.create(code="other-desk", name="Other desk", org_unit=org_units["other"])
    team.members.add(user)
    return user


@pytest.fixture
def verified_login(db):  # type: ignore[no-untyped-def]
    """verified_login(client, user): log in with a confirmed authenticator, as after the code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(client, user):  # type: ignore[no-untyped-def]
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return login


@pytest.fixture(autouse=True)
def calendar_read_every_time(settings):  # type: ignore[no-untyped-def]
    """The calendar revision is read on every call, as query counts assume: trusting it for a
    second would make a count depend on how fast the machine runs (tests of the recheck set it)."""
    settings.KHEDMAT_CALENDAR_RECHECK_SECONDS = 0


@pytest.fixture(autouse=True)
def empty_cache():  # type: ignore[no-untyped-def]
    """Each test starts with empty caches: ids roll back with the database between tests, so a
    key made of ids (the tracking answers') could otherwise meet an earlier test's entry."""
    from django.core.cache import cache

    from khedmat.calendars.queries import forget_revision
    from khedmat.tickets.api.track import ANSWERS

    cache.clear()
    ANSWERS.clear()
    forget_revision()  # the revision read in an earlier test rolled back with it
    yield


@pytest.fixture(autouse=True)
def english_outside_requests():  # type: ignore[no-untyped-def]
    """Tests read messages in English unless they choose a language; requests still pick their own."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    """A test client that asks for English (tests of fa/ar pages ask for their language)."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})
