"""The development SMS backends outside debug (issue 20): refused unless explicitly allowed.

console and file never send anything: they write every login code to the log or a file and call
the message delivered. Without KHEDMAT_DEBUG the system check stops start-up unless
KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS is set (the demo and the tests set it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from khedmat.notifications.checks import check_sms_providers

REPO = Path(__file__).resolve().parents[2]


def sms(*providers: str, otp: list[str] | None = None) -> dict[str, object]:
    return {"providers": list(providers), "otp_providers": otp or list(providers), "config": {}}


@pytest.mark.parametrize(
    "configured",
    [sms("console"), sms("kavenegar", otp=["kavenegar", "file"]), sms("file", "kavenegar")],
)
def test_a_local_backend_outside_debug_is_an_error(configured: dict[str, object]) -> None:
    with override_settings(
        DEBUG=False, KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS=False, KHEDMAT_SMS=configured
    ):
        errors = check_sms_providers()
    assert [error.id for error in errors] == ["notifications.E002"]
    assert "KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS=1" in (errors[0].hint or "")


@pytest.mark.parametrize(
    ("debug", "allowed", "configured"),
    [
        (True, False, sms("console")),
        (False, True, sms("console", "file")),
        (False, False, sms("kavenegar", "smsir")),
    ],
)
def test_debug_the_allow_flag_or_real_providers_pass(
    debug: bool, allowed: bool, configured: dict[str, object]
) -> None:
    with override_settings(
        DEBUG=debug, KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS=allowed, KHEDMAT_SMS=configured
    ):
        assert check_sms_providers() == []


def run_check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KHEDMAT_", "DJANGO_"))}
    base.pop("DATABASE_URL", None)
    env = {
        **base,
        "KHEDMAT_SECRET_KEY": "s" * 50,
        "KHEDMAT_ALLOWED_HOSTS": "example.org",
        "KHEDMAT_HOME": str(tmp_path),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "khedmat", "check"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_khedmat_refuses_to_start_with_the_default_console_backend(tmp_path: Path) -> None:
    refused = run_check(tmp_path)
    assert refused.returncode == 1
    assert "notifications.E002" in refused.stderr
    assert "console" in refused.stderr

    allowed = run_check(tmp_path, KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS="1")
    assert allowed.returncode == 0, allowed.stderr
    real = run_check(tmp_path, KHEDMAT_SMS_BACKEND="kavenegar")
    assert "notifications.E002" not in real.stderr
