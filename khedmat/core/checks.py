"""System checks of the kernel's settings: the keys that seal personal data at rest."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from khedmat.core import crypto


def check_data_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """KHEDMAT_DATA_KEYS and KHEDMAT_BLIND_INDEX_KEY must parse; each key is 32 bytes."""
    try:
        crypto.parse_keys(list(settings.KHEDMAT_DATA_KEYS))
        blind = settings.KHEDMAT_BLIND_INDEX_KEY
        if blind and len(crypto.decode_key(blind)) != 32:
            raise crypto.CryptoError("KHEDMAT_BLIND_INDEX_KEY is not 32 bytes")
    except (crypto.CryptoError, ValueError) as error:
        return [
            checks.Error(f"KHEDMAT_DATA_KEYS / KHEDMAT_BLIND_INDEX_KEY: {error}", id="core.E001")
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_data_keys_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Outside debug the data keys should be their own secrets, not derived from the secret key."""
    warnings: list[checks.CheckMessage] = []
    if not (settings.KHEDMAT_DATA_KEYS and settings.KHEDMAT_BLIND_INDEX_KEY):
        warnings.append(
            checks.Warning(
                "KHEDMAT_DATA_KEYS or KHEDMAT_BLIND_INDEX_KEY is not set: personal data is sealed "
                "with keys derived from KHEDMAT_SECRET_KEY. Set both (see .env.example).",
                id="core.W001",
            )
        )
    if not getattr(settings, "KHEDMAT_BACKUP_KEY", ""):
        warnings.append(
            checks.Warning(
                "KHEDMAT_BACKUP_KEY is not set: backups are sealed with a key derived from "
                "KHEDMAT_SECRET_KEY. Set a key of its own, kept apart from the backups.",
                id="core.W002",
            )
        )
    return warnings
