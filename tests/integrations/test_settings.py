"""The integrations settings read from the environment; a bad value is one clear line."""

from __future__ import annotations

from tests.fixtures.config import run_khedmat


def test_inquiry_provider_without_a_kind_is_one_clear_line(tmp_path):
    result = run_khedmat(
        "check",
        env={
            "KHEDMAT_DEBUG": "1",
            "KHEDMAT_HOME": str(tmp_path),
            "KHEDMAT_INQUIRY_PROVIDERS": "identity:gsb,gsb",
        },
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "khedmat: configuration error: KHEDMAT_INQUIRY_PROVIDERS: 'gsb' is not kind:value "
        "(e.g. identity:gsb)."
    ]


def test_kind_cache_seconds_must_be_integers(tmp_path):
    result = run_khedmat(
        "check",
        env={
            "KHEDMAT_DEBUG": "1",
            "KHEDMAT_HOME": str(tmp_path),
            "KHEDMAT_INQUIRY_KIND_CACHE_SECONDS": "identity:day",
        },
    )

    assert result.returncode == 2
    assert "KHEDMAT_INQUIRY_KIND_CACHE_SECONDS: seconds must be integers." in result.stderr
