"""The registry builds adapters from settings.KHEDMAT_SMS and lists them per message kind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from khedmat.config import ConfigError
from khedmat.notifications.providers.console import ConsoleBackend
from khedmat.notifications.providers.file import FileBackend
from khedmat.notifications.providers.ghasedak import GhasedakBackend
from khedmat.notifications.providers.kavenegar import KavenegarBackend
from khedmat.notifications.providers.magfa import MagfaBackend
from khedmat.notifications.providers.registry import (
    backends_for,
    get_backend,
    known_providers,
    providers_for,
)
from khedmat.notifications.providers.smsir import SmsirBackend

REPO = Path(__file__).resolve().parents[3]


def test_get_backend_builds_the_adapter_from_settings(settings, fake):
    settings.KHEDMAT_SMS = fake.sms_settings(["kavenegar"], timeout=3)

    backend = get_backend("kavenegar")

    assert isinstance(backend, KavenegarBackend)
    assert (backend.url, backend.api_key, backend.sender) == (
        fake.url + "/v1",
        "fake-api-key",
        "10004346",
    )
    assert (backend.timeout.read, backend.timeout.connect) == (3, 3)


def test_the_built_adapter_works_against_the_fake(settings, fake):
    settings.KHEDMAT_SMS = fake.sms_settings(["ghasedak"])

    get_backend("ghasedak").send("+989121234567", "سلام", local_id="1")

    assert [message["provider"] for message in fake.outbox()] == ["ghasedak"]


def test_backends_for_each_kind_in_failover_order(settings, fake):
    settings.KHEDMAT_SMS = fake.sms_settings(["kavenegar", "ghasedak"], ["smsir", "kavenegar"])

    assert [type(b) for b in backends_for("transactional")] == [KavenegarBackend, GhasedakBackend]
    assert [type(b) for b in backends_for("otp")] == [SmsirBackend, KavenegarBackend]


def test_otp_providers_default_to_the_transactional_list(settings):
    settings.KHEDMAT_SMS = {"providers": ["console", "file"], "config": {}}

    assert providers_for("otp") == ["console", "file"]
    assert [type(b) for b in backends_for("otp")] == [ConsoleBackend, FileBackend]


def test_a_provider_listed_twice_is_tried_once(settings):
    settings.KHEDMAT_SMS = {"providers": ["console", "console"], "otp_providers": [], "config": {}}

    assert providers_for("transactional") == ["console"]


def test_a_missing_api_key_is_one_clear_configuration_error(settings, fake):
    sms = fake.sms_settings(["kavenegar"])
    sms["config"]["kavenegar"]["api_key"] = ""
    settings.KHEDMAT_SMS = sms

    with pytest.raises(ConfigError) as caught:
        backends_for("transactional")

    assert str(caught.value) == (
        "KHEDMAT_SMS_KAVENEGAR_API_KEY is not set; the SMS provider 'kavenegar' needs it."
    )


def test_magfa_needs_its_username_rather_than_a_key(settings, fake):
    sms = fake.sms_settings(["magfa"])
    sms["config"]["magfa"] |= {"api_key": "", "username": ""}
    settings.KHEDMAT_SMS = sms

    with pytest.raises(ConfigError, match=r"^KHEDMAT_SMS_MAGFA_USERNAME is not set"):
        get_backend("magfa")

    sms["config"]["magfa"]["username"] = "khedmat"
    assert isinstance(get_backend("magfa"), MagfaBackend)


def test_an_unknown_provider_or_kind_is_refused(settings):
    settings.KHEDMAT_SMS = {"providers": ["console"], "config": {}}

    with pytest.raises(ConfigError, match="Unknown SMS provider 'twilio'"):
        get_backend("twilio")
    with pytest.raises(ValueError, match="Unknown message kind 'promo'"):
        backends_for("promo")


def test_the_default_configuration_prints_to_the_console(settings):
    assert settings.KHEDMAT_SMS["providers"] == ["console"]
    assert [type(b) for b in backends_for("transactional")] == [ConsoleBackend]
    assert [type(b) for b in backends_for("otp")] == [ConsoleBackend]
    assert set(known_providers()) == {
        "kavenegar",
        "ghasedak",
        "ippanel",
        "magfa",
        "smsir",
        "console",
        "file",
    }


def read_sms_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KHEDMAT_", "DJANGO_"))}
    code = (
        "import json, khedmat.settings as s; "
        "print(json.dumps({'sms': s.KHEDMAT_SMS, 'backend': s.KHEDMAT_SMS_BACKEND}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "KHEDMAT_DEBUG": "1", **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_read_every_provider_variable_from_the_environment(tmp_path):
    result = read_sms_settings(
        {
            "KHEDMAT_HOME": str(tmp_path),
            "KHEDMAT_SMS_PROVIDERS": "kavenegar, magfa",
            "KHEDMAT_SMS_OTP_PROVIDERS": "smsir",
            "KHEDMAT_SMS_KAVENEGAR_API_KEY": "k-key",
            "KHEDMAT_SMS_KAVENEGAR_SENDER": "10004346",
            "KHEDMAT_SMS_KAVENEGAR_URL": "http://127.0.0.1:8025/v1",
            "KHEDMAT_SMS_KAVENEGAR_TIMEOUT": "7",
            "KHEDMAT_SMS_MAGFA_USERNAME": "user",
            "KHEDMAT_SMS_MAGFA_PASSWORD": "pass",
            "KHEDMAT_SMS_MAGFA_DOMAIN": "dom",
        }
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    sms = loaded["sms"]
    assert loaded["backend"] == "console"
    assert (sms["providers"], sms["otp_providers"]) == (["kavenegar", "magfa"], ["smsir"])
    assert sms["config"]["kavenegar"] == {
        "url": "http://127.0.0.1:8025/v1",
        "api_key": "k-key",
        "sender": "10004346",
        "username": "",
        "password": "",
        "domain": "",
        "timeout": 7,
    }
    assert (sms["config"]["magfa"]["username"], sms["config"]["magfa"]["domain"]) == ("user", "dom")
    assert sms["config"]["smsir"]["timeout"] == 10
    assert sms["config"]["file"] == {"path": str(tmp_path / "var" / "sms" / "outbox.jsonl")}


def test_the_backend_setting_is_the_default_provider_list(tmp_path):
    result = read_sms_settings({"KHEDMAT_HOME": str(tmp_path), "KHEDMAT_SMS_BACKEND": "file"})

    assert result.returncode == 0, result.stderr
    sms = json.loads(result.stdout)["sms"]
    assert (sms["providers"], sms["otp_providers"]) == (["file"], ["file"])


def test_an_unknown_provider_in_the_environment_stops_start_up(tmp_path):
    result = read_sms_settings({"KHEDMAT_HOME": str(tmp_path), "KHEDMAT_SMS_PROVIDERS": "kaveh"})

    assert result.returncode == 1
    assert "ConfigError: SMS provider 'kaveh'" in result.stderr
