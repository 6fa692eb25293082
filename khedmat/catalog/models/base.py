"""Building blocks of the catalog models: translated text, insert-only rows, validators."""

from __future__ import annotations

import re
from typing import Any, overload

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from khedmat.catalog import choices
from khedmat.catalog.choices import CARD_LANGUAGES
from khedmat.catalog.errors import ImmutableVersionError
from khedmat.core.digits import fold_digits
from khedmat.core.translated import translated_text

SERVICE_CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
FIELD_KEY_PATTERN = r"[a-z][a-z0-9_]{0,49}"
_SERVICE_CODE = re.compile(SERVICE_CODE_PATTERN)
_FIELD_KEY = re.compile(FIELD_KEY_PATTERN)
_SHEBA = re.compile(r"IR\d{24}")


class Translated:
    """`obj.title` reads `title_<active language>`, falling back to `title_fa` when empty."""

    def __init__(self, field_prefix: str | None = None) -> None:
        self.field_prefix = field_prefix or ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.field_prefix = self.field_prefix or name

    @overload
    def __get__(self, instance: None, owner: type) -> Translated: ...
    @overload
    def __get__(self, instance: object, owner: type) -> str: ...
    def __get__(self, instance: object | None, owner: type) -> Translated | str:
        if instance is None:
            return self
        return translated_text(instance, self.field_prefix)


def texts_of(instance: object, prefix: str) -> dict[str, str]:
    """All languages' texts of one translated field: {"fa": ..., "ar": ..., "en": ...}."""
    return {language: getattr(instance, f"{prefix}_{language}", "") for language in CARD_LANGUAGES}


class InsertOnlyModel(models.Model):
    """A row written once: the card history stays true because no version is edited in place."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableVersionError(
                f"{type(self).__name__} {self.pk} is part of a saved card version; make a new one"
            )
        super().save(*args, **kwargs)


def normalize_service_code(value: str) -> str:
    """A service code as stored: digits folded to ASCII, surrounding spaces removed."""
    return fold_digits(value or "").strip()


def validate_service_code(value: object) -> None:
    """Opaque code (R-1): letters, digits, dot, dash, underscore; starts with a letter or digit."""
    if not isinstance(value, str) or _SERVICE_CODE.fullmatch(value) is None:
        raise ValidationError(
            _(
                "Use up to 64 Latin letters, digits, dots, dashes or underscores, "
                "starting with a letter or digit."
            ),
            code="service_code",
        )


def validate_field_key(value: object) -> None:
    """Form field key: lower-case Latin letters, digits and underscores, starting with a letter."""
    if not isinstance(value, str) or _FIELD_KEY.fullmatch(value) is None:
        raise ValidationError(
            _("Use lower-case Latin letters, digits and underscores, starting with a letter."),
            code="field_key",
        )


def normalize_sheba(value: str) -> str:
    """An IBAN (Sheba) as stored: upper case, no spaces, ASCII digits."""
    return re.sub(r"[\s\-]", "", fold_digits(value or "")).upper()


def validate_sheba(value: object) -> None:
    """An Iranian IBAN (Sheba): IR and 24 digits with a valid ISO 13616 check (mod 97 = 1)."""
    text = normalize_sheba(str(value))
    if _SHEBA.fullmatch(text) is None:
        raise ValidationError(_("Enter a Sheba number: IR and 24 digits."), code="sheba_format")
    rearranged = text[4:] + "1827" + text[2:4]  # I=18, R=27
    if int(rearranged) % 97 != 1:
        raise ValidationError(_("This Sheba number is not valid."), code="sheba_checksum")


@deconstructible
class ChoiceListValidator:
    """A JSON list of distinct values of one of the catalog's choice sets."""

    def __init__(self, choices_name: str) -> None:
        self.choices_name = choices_name

    def __call__(self, value: object) -> None:
        allowed = set(getattr(choices, self.choices_name).values)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError(_("Choose from the list."), code="invalid_choice_list")
        unknown = [item for item in value if item not in allowed]
        if unknown or len(set(value)) != len(value):
            raise ValidationError(
                _("Unknown or repeated choice: %(values)s"),
                code="unknown_choice",
                params={"values": ", ".join(unknown) or ", ".join(value)},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.choices_name == self.choices_name

    def __hash__(self) -> int:
        return hash(self.choices_name)


def choice_labels(choices_name: str, values: list[str]) -> list[str]:
    """Translated labels of stored choice values, in the choice set's order."""
    choice_class = getattr(choices, choices_name)
    labels = dict(choice_class.choices)
    return [str(labels[value]) for value in choice_class.values if value in values]
