"""Every user-facing string has a current, non-fuzzy fa and ar translation, compiled."""

from __future__ import annotations

import gettext
import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

PACKAGE = Path(__file__).resolve().parent.parent / "khedmat"
LANGUAGES = ("fa", "ar")


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_not_fuzzy(language):
    po = catalog(language)
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(po.translated_entries()) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language):
    po = catalog(language)
    with open(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    got: str | list[str]
    want: str | list[str]
    for entry in po.translated_entries():
        if entry.msgid_plural:
            counts = (0, 1, 2, 3, 11, 100)
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in counts]
            want = [entry.msgstr_plural[compiled.plural(n)] for n in counts]  # type: ignore[attr-defined]
        elif entry.msgctxt:
            got, want = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr
        else:
            got, want = compiled.gettext(entry.msgid), entry.msgstr
        if got != want:
            stale.append(entry.msgid)
    assert stale == [], "run: .venv/bin/python scripts/compile_translations.py"


def test_no_string_in_the_code_is_missing_from_the_catalogs(tmp_path):
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is needed to extract messages; ./test.sh installs it")
    copy = tmp_path / "khedmat"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "locale"))
    (copy / "locale").mkdir()
    cwd = os.getcwd()
    try:
        os.chdir(copy)
        with override_settings(LOCALE_PATHS=[str(copy / "locale")]):
            call_command("makemessages", locale=["fa"], verbosity=0, no_obsolete=True)
    finally:
        os.chdir(cwd)
    extracted = {
        entry.msgid
        for entry in polib.pofile(str(copy / "locale" / "fa" / "LC_MESSAGES" / "django.po"))
    }
    for language in LANGUAGES:
        known = {entry.msgid for entry in catalog(language).translated_entries()}
        assert sorted(extracted - known) == [], (
            f"missing in {language}: run makemessages and translate"
        )


NATIVE_DIGITS = {"fa": "۰۱۲۳۴۵۶۷۸۹", "ar": "٠١٢٣٤٥٦٧٨٩"}
# Placeholders, markup, phone examples, and code an administrator types as it is (JSON, ISO dates,
# the G2C/G2B/G2G service-type codes) keep ASCII digits.
NOT_PROSE = re.compile(
    r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}|\S*E\.164\S*|\+\d+|<[^>]+>|&[a-z]+;"
    r"|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]"
    r"|\b\d{4}-\d{2}-\d{2}\b|\bG2[CBG]\b|\bUTF-8\b"
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translated_prose_uses_the_languages_own_digits(language):
    latin = [
        entry.msgstr
        for entry in catalog(language)
        if re.search(r"[0-9]", NOT_PROSE.sub("", entry.msgstr))
    ]
    assert latin == []
