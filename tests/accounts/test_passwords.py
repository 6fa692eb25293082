"""Staff password policy (ASVS 2.1): length counted as ASVS counts it, no composition rules, and
the breached-password check against a real local server speaking the Pwned Passwords range API."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts import services
from khedmat.accounts.choices import LoginStage
from khedmat.accounts.fake_pwned import FakePwnedServer
from khedmat.accounts.models import LoginFailure, User
from khedmat.accounts.passwords import (
    BreachedPasswordValidator,
    LengthValidator,
    breach_count,
    counted_length,
    sha1_hex,
)
from khedmat.core.models import Activity
from tests.core.test_security_headers import settings_with

BREACHED = "Tehran-summer-2024!"
FRESH = "violet kettle under the old bridge"


def codes(password: str, user: User | None = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {str(item.code) for item in error.error_list}
    return set()


@pytest.fixture
def pwned(settings: SettingsWrapper) -> Iterator[FakePwnedServer]:
    """The fake range API, with BREACHED in its corpus, configured as the breach service."""
    with FakePwnedServer() as server:
        server.breach(BREACHED, 3_861)
        settings.KHEDMAT_BREACHED_PASSWORD_URL = server.range_url
        settings.KHEDMAT_BREACHED_PASSWORD_TIMEOUT = 2
        yield server


class TestLength:
    def test_twelve_characters_is_the_minimum(self) -> None:
        assert codes("rivermoon-k7") == set()  # 12
        assert codes("rivermoon-k") == {"password_too_short"}  # 11

    def test_runs_of_spaces_count_once(self) -> None:
        assert counted_length("ab" + " " * 12 + "cd") == 5
        with pytest.raises(ValidationError) as caught:
            LengthValidator().validate("kiwi" + " " * 10 + "pear")
        assert caught.value.code == "password_too_short"

    def test_long_passphrases_pass_and_over_128_is_refused(self) -> None:
        assert codes("w" + "ordplay " * 15) == set()  # 121 characters
        assert codes("x7" * 64) == set()  # exactly 128
        assert codes("x7" * 64 + "y") == {"password_too_long"}

    def test_any_unicode_and_no_composition_rules(self) -> None:
        assert codes("باغ انار در بهار 🌸") == set()  # Persian, spaces, an emoji
        assert codes("alllowercaseletters") == set()  # no digit, capital or symbol required
        assert codes("483920571638") == set()  # digits only are fine when long and unknown

    def test_common_and_name_like_passwords_are_still_refused(self, make_user) -> None:  # type: ignore[no-untyped-def]
        assert "password_too_common" in codes("password1234")
        user = make_user("golnar.rahimi", first_name="Golnar")
        assert "password_too_similar" in codes("golnar.rahimi1", user)


class TestStorage:
    def test_passwords_are_salted_pbkdf2_with_many_iterations(
        self, monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
    ) -> None:
        """Production keeps Django's hashers (the tests use MD5 only for speed)."""
        settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
        assert "PASSWORD_HASHERS" not in settings_with(monkeypatch)
        assert global_settings.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")
        first = make_password(FRESH, hasher="pbkdf2_sha256")
        second = make_password(FRESH, hasher="pbkdf2_sha256")
        algorithm, iterations, salt, _digest = first.split("$")
        assert algorithm == "pbkdf2_sha256"
        assert int(iterations) >= 600_000
        assert len(salt) >= 22  # 128 bits or more
        assert second.split("$")[2] != salt  # the same password, another salt
        assert check_password(FRESH, first) and check_password(FRESH, second)


class TestBreachedPasswordCheck:
    def test_a_breached_password_is_refused_and_only_five_hex_digits_leave(
        self, pwned: FakePwnedServer
    ) -> None:
        assert codes(BREACHED) == {"password_breached"}
        assert pwned.paths() == [f"/range/{sha1_hex(BREACHED)[:5]}"]
        assert pwned.app.seen[0]["padding"] == "true"
        assert BREACHED not in repr(pwned.app.seen)

    def test_a_password_outside_the_corpus_passes(self, pwned: FakePwnedServer) -> None:
        assert codes(FRESH) == set()
        assert breach_count(FRESH, url=pwned.range_url, timeout=2) == 0
        assert breach_count(BREACHED, url=pwned.range_url, timeout=2) == 3_861

    def test_an_unavailable_service_lets_the_password_through_with_a_warning(
        self, pwned: FakePwnedServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        pwned.app.failing = True
        with caplog.at_level(logging.WARNING, logger="khedmat.accounts.passwords"):
            BreachedPasswordValidator().validate(BREACHED)
        assert "breached-password check unavailable" in caplog.text
        assert BREACHED not in caplog.text

    def test_an_unreachable_service_fails_open(
        self, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
    ) -> None:
        with FakePwnedServer() as server:
            url = server.range_url
        settings.KHEDMAT_BREACHED_PASSWORD_URL = url  # the port is closed now
        with caplog.at_level(logging.WARNING, logger="khedmat.accounts.passwords"):
            assert codes(BREACHED) == set()
        assert "breached-password check unavailable" in caplog.text

    def test_no_url_asks_no_one(self, settings: SettingsWrapper) -> None:
        with FakePwnedServer() as server:
            server.breach(BREACHED)
            settings.KHEDMAT_BREACHED_PASSWORD_URL = ""
            assert codes(BREACHED) == set()
            assert server.paths() == []


@pytest.mark.django_db
class TestPagesThatSetPasswords:
    def test_creating_a_staff_user_refuses_a_breached_password(
        self, pwned: FakePwnedServer
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            services.create_user("new.agent", actor=None, password=BREACHED)
        assert "password_breached" in [error.code for error in caught.value.error_list]
        assert not User.objects.filter(username="new.agent").exists()
        assert Activity.objects.count() == 0

    def test_the_admin_password_change_refuses_a_breached_password(
        self,
        pwned: FakePwnedServer,
        client: Client,
        administrator: User,
        agent: User,
        verified_login,  # type: ignore[no-untyped-def]
    ) -> None:
        verified_login(client, administrator)
        before = User.objects.get(pk=agent.pk).password
        url = f"/admin/accounts/user/{agent.pk}/password/"
        data = {"password1": BREACHED, "password2": BREACHED, "usable_password": "true"}
        response = client.post(url, data)
        assert response.status_code == 200
        assert "appeared in a data breach" in response.content.decode()
        assert User.objects.get(pk=agent.pk).password == before
        fresh = {"password1": FRESH, "password2": FRESH, "usable_password": "true"}
        assert client.post(url, fresh).status_code == 302
        assert User.objects.get(pk=agent.pk).check_password(FRESH)

    def test_a_password_change_ends_the_other_sessions(
        self,
        client: Client,
        agent: User,
        staff_password: str,
        verified_login,  # type: ignore[no-untyped-def]
    ) -> None:
        other_browser = verified_login(Client(), agent)
        assert other_browser.get("/desk/").status_code == 200
        verified_login(client, agent)
        data = {"old_password": staff_password, "new_password1": FRESH, "new_password2": FRESH}
        assert client.post("/admin/password_change/", data).status_code == 302
        assert client.get("/desk/").status_code == 200  # this session goes on
        assert other_browser.get("/desk/").status_code == 302  # the other is signed out

    def test_the_own_password_change_asks_for_the_current_password(
        self,
        client: Client,
        administrator: User,
        staff_password: str,
        verified_login,  # type: ignore[no-untyped-def]
    ) -> None:
        verified_login(client, administrator)
        data = {"old_password": "not-the-password", "new_password1": FRESH, "new_password2": FRESH}
        response = client.post("/admin/password_change/", data)
        assert response.status_code == 200
        assert not User.objects.get(pk=administrator.pk).check_password(FRESH)
        data["old_password"] = staff_password
        assert client.post("/admin/password_change/", data).status_code == 302
        assert User.objects.get(pk=administrator.pk).check_password(FRESH)


def test_guessing_the_current_password_on_the_admin_page_locks_the_login(
    client: Client,
    administrator: User,
    staff_password: str,
    verified_login,  # type: ignore[no-untyped-def]
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.KHEDMAT_LOGIN_MAX_FAILURES = 3
    verified_login(client, administrator)
    wrong = {"old_password": "guess", "new_password1": FRESH, "new_password2": FRESH}
    for _attempt in range(3):
        assert client.post("/admin/password_change/", wrong).status_code == 200
    assert LoginFailure.objects.filter(stage=LoginStage.PASSWORD).count() == 3

    right = {**wrong, "old_password": staff_password}
    response = client.post("/admin/password_change/", right)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not User.objects.get(pk=administrator.pk).check_password(FRESH)
    assert client.get("/admin/").status_code == 302  # signed out
