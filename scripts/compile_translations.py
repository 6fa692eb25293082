"""Compile khedmat/locale/*/LC_MESSAGES/django.po to .mo with polib (no GNU gettext needed)."""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "khedmat" / "locale"

for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path.relative_to(LOCALE.parent.parent)}: {len(po.translated_entries())} translated")
