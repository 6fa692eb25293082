"""Identifier rules (requirements §5, R-34, R-43..R-46) and the form fields built on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from khedmat.core.forms import (
    DigitsField,
    LegalIdField,
    MobileField,
    NationalCodeField,
    PostalCodeField,
    TrackingCodeField,
)
from khedmat.core.identifiers import (
    normalize_legal_id,
    normalize_mobile,
    normalize_national_code,
    normalize_postal_code,
    postal_code_looks_valid,
    validate_legal_id,
    validate_mobile,
    validate_national_code,
    validate_postal_code,
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- National code (§5.1) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0012345679", "0012345679"),
        ("1234567891", "1234567891"),
        ("9876543210", "9876543210"),
        ("123456789", "0123456789"),
        ("12345679", "0012345679"),
        ("۰۰۱۲۳۴۵۶۷۹", "0012345679"),
        ("٩٨٧٦٥٤٣٢١٠", "9876543210"),
        (" 001-234567-9 ", "0012345679"),
    ],
)
def test_national_code_valid(value: str, expected: str) -> None:
    assert normalize_national_code(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0012345678", "national_code_checksum"),
        ("12345678", "national_code_checksum"),
        ("1111111111", "national_code_repeated"),
        ("0000000000", "national_code_repeated"),
        ("1234567", "national_code_format"),
        ("12345678901", "national_code_format"),
        ("12345a7891", "national_code_format"),
        ("", "national_code_format"),
    ],
)
def test_national_code_invalid(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_national_code(value)
    assert caught.value.code == code


def test_national_code_all_equal_passes_checksum_but_is_rejected() -> None:
    digits = [1] * 10
    remainder = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=False)) % 11
    assert digits[9] == (remainder if remainder < 2 else 11 - remainder)
    with pytest.raises(ValidationError) as caught:
        normalize_national_code("1111111111")
    assert caught.value.messages == ["This national code is not valid."]


def test_national_code_messages() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_national_code("123")
    assert caught.value.messages == ["Enter a national code of 10 digits."]
    with pytest.raises(ValidationError) as caught:
        normalize_national_code("0012345678")
    assert caught.value.messages == ["This national code is not valid."]


# --- Legal national ID (§5.2) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10380284790", "10380284790"),
        ("12345678906", "12345678906"),
        ("۱۰۳۸۰۲۸۴۷۹۰", "10380284790"),
        ("١٠٣٨٠٢٨٤٧٩٠", "10380284790"),
    ],
)
def test_legal_id_valid(value: str, expected: str) -> None:
    assert normalize_legal_id(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("10380284792", "legal_id_checksum"),
        ("10380285692", "legal_id_checksum"),
        ("09748208301", "legal_id_checksum"),
        ("11111111111", "legal_id_pattern"),
        ("10000000010", "legal_id_pattern"),
        ("1038028479", "legal_id_format"),
        ("103802847901", "legal_id_format"),
        ("1038028479x", "legal_id_format"),
    ],
)
def test_legal_id_invalid(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_legal_id(value)
    assert caught.value.code == code


def test_legal_id_message() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_legal_id("10380284792")
    assert caught.value.messages == ["This national ID is not valid."]


# --- Mobile (§5.4, R-34, R-46) ----------------------------------------------------------


def test_r34_same_mobile_in_three_digit_sets() -> None:
    persian = normalize_mobile("۰۹۱۲۱۲۳۴۵۶۷")
    arabic = normalize_mobile("٠٩١٢١٢٣٤٥٦٧")
    latin = normalize_mobile("09121234567")
    assert persian == arabic == latin == "+989121234567"


@pytest.mark.parametrize(
    "value",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "+98 912 123 4567",
        "00989121234567",
        "0098 912 123 4567",
        "989121234567",
        "0912-123-4567",
        "(0912) 123 45 67",
        "+98 (912) 123-4567",
        "۰۹۱۲ ۱۲۳ ۴۵۶۷",
        "\u200e+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷\u200f",
    ],
)
def test_mobile_accepted_forms(value: str) -> None:
    assert normalize_mobile(value) == "+989121234567"


@pytest.mark.parametrize(
    ("prefix", "operator"),
    [
        ("0912", "MCI"),
        ("0935", "Irancell"),
        ("0990", "MCI"),
        ("0900", "Irancell"),
        ("0921", "RighTel"),
        ("0998", "RighTel"),
    ],
)
def test_mobile_operators_accepted(prefix: str, operator: str) -> None:
    assert normalize_mobile(prefix + "1234567") == "+98" + prefix[1:] + "1234567"


def test_mobile_0941_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_mobile("09411234567")
    assert caught.value.code == "mobile_invalid"
    assert caught.value.messages == ["This is not a valid Iranian mobile number."]


@pytest.mark.parametrize(
    "value",
    [
        "02112345678",  # Tehran landline
        "+982112345678",
        "0912123456",  # too short
        "091212345678",  # too long
        "+12025550100",  # not Iranian
        "0912123456a",
        "",
        "+",
    ],
)
def test_mobile_wrong_shape_rejected(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_mobile(value)
    assert caught.value.code == "mobile_format"
    assert caught.value.messages == ["Enter a mobile number such as 09121234567."]


# --- Postal code (§5.3) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1345678913", "1345678913"),
        ("13456-78913", "1345678913"),
        ("۱۳۴۵۶-۷۸۹۱۳", "1345678913"),
        ("١٣٤٥٦٧٨٩١٣", "1345678913"),
        ("13456 78913", "1345678913"),
        ("13456\u201378913", "1345678913"),  # en dash
        ("0000000000", "0000000000"),  # any 10 digits: the heuristic only warns
        ("2222222222", "2222222222"),
    ],
)
def test_postal_code_valid(value: str, expected: str) -> None:
    assert normalize_postal_code(value) == expected


@pytest.mark.parametrize(
    "value", ["134567891", "13456789123", "1345-678913", "13456--78913", "13456-7891a", ""]
)
def test_postal_code_invalid(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_postal_code(value)
    assert caught.value.code == "postal_code_format"
    assert caught.value.messages == ["Enter a postal code of 10 digits."]


@pytest.mark.parametrize(
    ("value", "looks_valid"),
    [
        ("1345678913", True),
        ("13456-78913", True),
        ("۱۳۴۵۶-۷۸۹۱۳", True),
        ("0345678913", False),  # 0 in the first four digits
        ("1325678913", False),  # 2 in the first four digits
        ("1345078913", False),  # fifth digit 0
        ("1345578913", False),  # fifth digit 5
        ("1345672913", False),  # 2 in the last five digits
        ("1111678913", False),  # four identical leading digits
        ("1113678913", True),  # three identical leading digits are fine
        ("134567891", False),
    ],
)
def test_postal_code_heuristic(value: str, looks_valid: bool) -> None:
    assert postal_code_looks_valid(value) is looks_valid


# --- Validators -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        (validate_national_code, "0012345679", "0012345678"),
        (validate_legal_id, "10380284790", "10380284792"),
        (validate_mobile, "۰۹۱۲۱۲۳۴۵۶۷", "09411234567"),
        (validate_postal_code, "13456-78913", "1345"),
    ],
)
def test_validators(validator: Callable[[object], None], good: str, bad: str) -> None:
    validator(good)  # raises if the good value were refused
    with pytest.raises(ValidationError):
        validator(bad)


# --- Form fields ------------------------------------------------------------------------


class IdentityForm(forms.Form):
    national_code = NationalCodeField()
    legal_id = LegalIdField(required=False)
    mobile = MobileField()
    postal_code = PostalCodeField(required=False)
    amount = DigitsField(required=False, max_length=12)
    tracking_code = TrackingCodeField(required=False)


def test_form_cleans_persian_and_arabic_digits_to_ascii() -> None:
    form = IdentityForm(
        data={
            "national_code": "۰۰۱۲۳۴۵۶۷۹",
            "legal_id": "١٠٣٨٠٢٨٤٧٩٠",
            "mobile": "۰۹۱۲ ۱۲۳ ۴۵۶۷",
            "postal_code": "۱۳۴۵۶-۷۸۹۱۳",
            "amount": "۱۲۵۰۰۰",
            "tracking_code": "",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "national_code": "0012345679",
        "legal_id": "10380284790",
        "mobile": "+989121234567",
        "postal_code": "1345678913",
        "amount": "125000",
        "tracking_code": "",
    }
    postal_code_field = form.fields["postal_code"]
    assert isinstance(postal_code_field, PostalCodeField)
    assert postal_code_field.warning is None


def test_form_errors_are_field_messages() -> None:
    form = IdentityForm(
        data={
            "national_code": "۰۰۱۲۳۴۵۶۷۸",
            "legal_id": "10380284792",
            "mobile": "09411234567",
            "postal_code": "1345",
            "amount": "12,500",
            "tracking_code": "123456789012",
        }
    )
    assert not form.is_valid()
    assert form.errors == {
        "national_code": ["This national code is not valid."],
        "legal_id": ["This national ID is not valid."],
        "mobile": ["This is not a valid Iranian mobile number."],
        "postal_code": ["Enter a postal code of 10 digits."],
        "amount": ["Enter digits only."],
        "tracking_code": ["This tracking code is not valid. Please check the digits."],
    }
    assert form.errors.as_data()["national_code"][0].code == "national_code_checksum"


def test_required_field_left_empty() -> None:
    form = IdentityForm(data={"national_code": "", "mobile": "  "})
    assert not form.is_valid()
    assert form.errors["national_code"] == ["This field is required."]
    assert form.errors["mobile"] == ["This field is required."]


def test_field_error_message_can_be_overridden_by_code() -> None:
    field = NationalCodeField(error_messages={"national_code_checksum": "Check the last digit."})
    with pytest.raises(ValidationError) as caught:
        field.clean("0012345678")
    assert caught.value.messages == ["Check the last digit."]
    assert caught.value.code == "national_code_checksum"


def test_postal_code_field_only_warns() -> None:
    field = PostalCodeField()
    assert field.clean("۰۳۴۵۶-۷۸۹۱۳") == "0345678913"
    assert field.warning == (
        "This postal code does not look like an Iranian postal code. Please check it."
    )
    assert field.clean("13456-78913") == "1345678913"
    assert field.warning is None


@pytest.mark.parametrize(
    ("name", "attrs"),
    [
        ("national_code", {"inputmode": "numeric", "dir": "ltr"}),
        ("legal_id", {"inputmode": "numeric", "dir": "ltr"}),
        ("mobile", {"inputmode": "tel", "dir": "ltr", "autocomplete": "tel"}),
        ("postal_code", {"inputmode": "numeric", "dir": "ltr", "autocomplete": "postal-code"}),
        ("amount", {"inputmode": "numeric", "dir": "ltr", "maxlength": "12"}),
        ("tracking_code", {"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
    ],
)
def test_widget_attributes(name: str, attrs: dict[str, str]) -> None:
    widget_attrs = IdentityForm().fields[name].widget.attrs
    assert {key: widget_attrs.get(key) for key in attrs} == attrs


def test_national_code_widget_has_no_autocomplete_hint() -> None:
    assert "autocomplete" not in IdentityForm().fields["national_code"].widget.attrs


def test_explicit_widget_attrs_win() -> None:
    field = MobileField(widget=forms.TextInput(attrs={"autocomplete": "off"}))
    assert field.widget.attrs["autocomplete"] == "off"
    assert field.widget.attrs["dir"] == "ltr"


def test_rendered_input_carries_the_hints() -> None:
    html = str(IdentityForm()["mobile"])
    assert 'inputmode="tel"' in html
    assert 'dir="ltr"' in html
    assert 'autocomplete="tel"' in html
