"""Form builder: every field type becomes a form field; answers are checked server-side."""

from __future__ import annotations

import hashlib
from typing import Any, cast

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from khedmat.catalog import services
from khedmat.catalog.choices import FieldType
from khedmat.catalog.formbuilder import (
    AnswerForm,
    InvalidAnswers,
    check_field_definition,
    check_form_definition,
    form_field_for,
    validate_answers,
)
from khedmat.catalog.formbuilder.fields import (
    CascadingSelectField,
    LocalDateField,
    LocalTimeField,
    LocationField,
    NumberField,
    RepeatingGroupField,
)
from khedmat.catalog.formbuilder.uploads import UploadField
from khedmat.catalog.models import FormField
from khedmat.core.forms import LegalIdField, MobileField, NationalCodeField, PostalCodeField

PDF = b"%PDF-1.7\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SHA_PDF = hashlib.sha256(PDF).hexdigest()

OPTIONS = [
    {"value": "natural", "label_fa": "حقیقی", "label_en": "Natural person"},
    {"value": "legal", "label_fa": "حقوقی", "label_en": "Legal person"},
]
PROVINCES = [
    {
        "value": "tehran",
        "label_fa": "تهران",
        "children": [
            {"value": "tehran", "label_fa": "تهران"},
            {"value": "rey", "label_fa": "ری"},
        ],
    },
    {
        "value": "isfahan",
        "label_fa": "اصفهان",
        "children": [{"value": "kashan", "label_fa": "کاشان"}],
    },
]


def row(key: str, field_type: str, position: int = 0, **extra: Any) -> FormField:
    extra.setdefault("label_fa", key)
    extra.setdefault("config", {})
    extra.setdefault("show_if", {})
    return FormField(key=key, field_type=field_type, position=position, **extra)


def every_type() -> list[FormField]:
    """One row of each field type (the group with two children)."""
    rows = [
        row("full_name", "text", config={"max_length": 50}),
        row("about", "long_text"),
        row("area", "number", config={"min": 6, "max": 1000}),
        row("start", "date", config={"calendar": "jalali"}),
        row("opening", "time"),
        row("kind", "select", config={"options": OPTIONS}),
        row(
            "place",
            "cascading_select",
            config={"levels": [{"label_fa": "استان"}, {"label_fa": "شهر"}], "options": PROVINCES},
        ),
        row("agree", "checkbox"),
        row("national_code", "national_code"),
        row("legal_id", "legal_id"),
        row("mobile", "mobile"),
        row("postal_code", "postal_code"),
        row("email", "email"),
        row("lease", "file", config={"allowed_types": ["pdf"], "max_size_kb": 1, "max_count": 2}),
        row("photo", "image"),
        row("location", "location"),
        row("partners", "group", config={"min_rows": 0, "max_rows": 2}),
        row("partner_name", "text", group_key="partners", is_required=True),
        row("partner_code", "national_code", group_key="partners"),
    ]
    for position, item in enumerate(rows):
        item.position = position
    return rows


EXPECTED_FIELDS = {
    FieldType.TEXT: (forms.CharField, forms.TextInput),
    FieldType.LONG_TEXT: (forms.CharField, forms.Textarea),
    FieldType.NUMBER: (NumberField, forms.TextInput),
    FieldType.DATE: (LocalDateField, forms.TextInput),
    FieldType.TIME: (LocalTimeField, forms.TimeInput),
    FieldType.SELECT: (forms.ChoiceField, forms.Select),
    FieldType.CASCADING_SELECT: (CascadingSelectField, forms.MultiWidget),
    FieldType.CHECKBOX: (forms.BooleanField, forms.CheckboxInput),
    FieldType.NATIONAL_CODE: (NationalCodeField, forms.TextInput),
    FieldType.LEGAL_ID: (LegalIdField, forms.TextInput),
    FieldType.MOBILE: (MobileField, forms.TextInput),
    FieldType.POSTAL_CODE: (PostalCodeField, forms.TextInput),
    FieldType.EMAIL: (forms.EmailField, forms.EmailInput),
    FieldType.FILE: (UploadField, forms.ClearableFileInput),
    FieldType.IMAGE: (UploadField, forms.ClearableFileInput),
    FieldType.LOCATION: (LocationField, forms.TextInput),
    FieldType.GROUP: (RepeatingGroupField, forms.Widget),
}


def test_every_field_type_becomes_its_form_field():
    assert set(EXPECTED_FIELDS) == set(FieldType.values)
    rows = {item.key: item for item in every_type()}
    by_type = {item.field_type: item for item in rows.values() if not item.group_key}
    children = [item for item in rows.values() if item.group_key == "partners"]
    for field_type, (field_class, widget_class) in EXPECTED_FIELDS.items():
        built = form_field_for(
            by_type[field_type], children=children if field_type == "group" else ()
        )
        assert type(built) is field_class, field_type
        assert isinstance(built.widget, widget_class), field_type
        assert built.label == by_type[field_type].label_fa


def test_labels_and_help_follow_the_language_with_persian_fallback():
    item = row(
        "kind",
        "select",
        label_fa="نوع",
        label_ar="النوع",
        help_fa="راهنما",
        config={"options": OPTIONS},
    )
    with translation.override("ar"):
        built = form_field_for(item)
    assert (built.label, built.help_text) == ("النوع", "راهنما")
    with translation.override("en"):
        built = form_field_for(item)
    assert built.label == "نوع"
    select = cast(forms.ChoiceField, built)  # a select row builds a ChoiceField
    assert select.choices == [("", "—"), ("natural", "Natural person"), ("legal", "Legal person")]


def test_a_full_answer_document_is_cleaned_to_json():
    answers = {
        "full_name": "  علی رضایی ",
        "about": "متن",
        "area": "۱۲۰",
        "start": "۱۴۰۵/۰۱/۳۱",
        "opening": "۰۸:۳۰",
        "kind": "legal",
        "place": ["tehran", "rey"],
        "agree": True,
        "national_code": "۰۰۱۲۳۴۵۶۷۹",
        "legal_id": "10380284790",
        "mobile": "٠٩١٢١٢٣٤٥٦٧",
        "postal_code": "13145-67890",
        "email": "a@example.ir",
        "lease": [{"name": "lease.PDF", "size": 900, "sha256": SHA_PDF}],
        "location": "35.6892, 51.3890",
        "partners": [
            {"partner_name": "سارا", "partner_code": "1234567891"},
            {"partner_name": "", "partner_code": ""},
        ],
    }
    assert validate_answers(every_type(), answers) == {
        "full_name": "علی رضایی",
        "about": "متن",
        "area": 120,
        "start": "2026-04-20",
        "opening": "08:30",
        "kind": "legal",
        "place": ["tehran", "rey"],
        "agree": True,
        "national_code": "0012345679",
        "legal_id": "10380284790",
        "mobile": "+989121234567",
        "postal_code": "1314567890",
        "email": "a@example.ir",
        "lease": [
            {"name": "lease.PDF", "size": 900, "content_type": "application/pdf", "sha256": SHA_PDF}
        ],
        "location": {"lat": 35.6892, "lng": 51.389},
        "partners": [{"partner_name": "سارا", "partner_code": "1234567891"}],
    }


def errors_of(rows: list[FormField], answers: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(rows, answers)
    return caught.value.errors


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("national_code", "0012345678", "This national code is not valid."),
        ("national_code", "12ab", "Enter a national code of 10 digits."),
        ("legal_id", "10380284792", "This national ID is not valid."),
        ("mobile", "0912123", "Enter a mobile number such as 09121234567."),
        ("mobile", "09411234567", "This is not a valid Iranian mobile number."),
        ("postal_code", "12345", "Enter a postal code of 10 digits."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("area", "5", "Ensure this value is greater than or equal to 6."),
        ("area", "12.5", "Ensure that there are no more than 0 decimal places."),
        ("start", "1405/12/31", "Enter a real date such as 1405/01/31."),
        ("opening", "25:00", "Enter a valid time."),
        ("kind", "robot", "Select a valid choice. robot is not one of the available choices."),
        ("place", ["isfahan", "rey"], "Choose one of the listed options at every level."),
        ("place", ["tehran"], "Choose one of the listed options at every level."),
        ("location", "north", "Enter latitude and longitude, e.g. 35.6892, 51.3890."),
        ("full_name", "x" * 51, "Ensure this value has at most 50 characters (it has 51)."),
    ],
)
def test_each_type_rejects_a_bad_value_with_its_message(key, value, message):
    with translation.override("en"):
        assert errors_of(every_type(), {key: value}) == {key: [message]}


def test_required_fields_say_so():
    rows = [row("name", "text", is_required=True), row("agree", "checkbox", 1, is_required=True)]
    with translation.override("en"):
        assert errors_of(rows, {"name": " ", "agree": False}) == {
            "name": ["This field is required."],
            "agree": ["This field is required."],
        }


def test_a_field_hidden_by_its_condition_is_not_required_and_its_answer_is_dropped():
    rows = [
        row("kind", "select", 0, is_required=True, config={"options": OPTIONS}),
        row(
            "national_code",
            "national_code",
            1,
            is_required=True,
            show_if={"field": "kind", "value": "natural"},
        ),
        row(
            "legal_id",
            "legal_id",
            2,
            is_required=True,
            show_if={"field": "kind", "op": "equals", "value": "legal"},
        ),
        row("company", "text", 3, is_required=True, show_if={"field": "legal_id", "op": "checked"}),
    ]
    assert validate_answers(
        rows, {"kind": "natural", "national_code": "0012345679", "legal_id": "bad"}
    ) == {
        "kind": "natural",
        "national_code": "0012345679",
    }
    with translation.override("en"):
        assert errors_of(rows, {"kind": "legal"}) == {"legal_id": ["This field is required."]}
        # legal_id invalid -> its dependant is evaluated against an empty answer and hidden
        assert errors_of(rows, {"kind": "legal", "legal_id": "1"}) == {
            "legal_id": ["Enter a national ID of 11 digits."]
        }
    assert validate_answers(
        rows, {"kind": "legal", "legal_id": "10380284790", "company": "شرکت"}
    ) == {
        "kind": "legal",
        "legal_id": "10380284790",
        "company": "شرکت",
    }


def test_a_field_under_a_hidden_field_is_hidden_too():
    rows = [
        row("has_car", "checkbox", 0),
        row("plate", "text", 1, show_if={"field": "has_car", "op": "checked"}),
        row(
            "plate_kind",
            "text",
            2,
            is_required=True,
            show_if={"field": "plate", "op": "not_equals", "value": "x"},
        ),
    ]
    assert validate_answers(rows, {"has_car": False, "plate": "12ب345"}) == {"has_car": False}


def test_file_type_size_and_count_are_enforced():
    rows = [
        row("lease", "file", config={"allowed_types": ["pdf"], "max_size_kb": 1, "max_count": 2})
    ]
    with translation.override("en"):
        assert errors_of(
            rows, {"lease": [{"name": "lease.exe", "size": 10, "sha256": SHA_PDF}]}
        ) == {"lease": ["lease.exe: files of this type are not accepted; allowed: pdf."]}
        assert errors_of(
            rows, {"lease": [{"name": "big.pdf", "size": 1025, "sha256": SHA_PDF}]}
        ) == {"lease": ["big.pdf is larger than 1 KB."]}
        three = [{"name": f"{n}.pdf", "size": 10, "sha256": SHA_PDF} for n in range(3)]
        assert errors_of(rows, {"lease": three}) == {"lease": ["Upload at most 2 files."]}
        assert errors_of(rows, {"lease": [{"name": "a.pdf", "size": 10}]}) == {
            "lease": ["The file description is incomplete."]
        }


def test_repeating_group_rows_are_checked_one_by_one():
    rows = every_type()
    with translation.override("en"):
        assert errors_of(
            rows,
            {"partners": [{"partner_code": "0012345678"}, {"partner_name": "x", "nickname": "y"}]},
        ) == {
            "partners.0.partner_name": ["This field is required."],
            "partners.0.partner_code": ["This national code is not valid."],
            "partners.1.nickname": ["This form has no such field."],
        }
        three = [{"partner_name": str(n)} for n in range(3)]
        assert errors_of(rows, {"partners": three}) == {"partners": ["Add at most 2 rows."]}
        assert errors_of(rows, {"partners": "sara"}) == {"partners": ["Give the rows as a list."]}


def test_a_required_group_needs_its_minimum_rows():
    rows = [
        row("partners", "group", 0, is_required=True, config={"min_rows": 2}),
        row("name", "text", 1, group_key="partners"),
    ]
    with translation.override("en"):
        assert errors_of(rows, {}) == {"partners": ["This field is required."]}
        assert errors_of(rows, {"partners": [{"name": "a"}]}) == {
            "partners": ["Add at least 2 rows."]
        }


def test_conditions_inside_a_group_see_the_row_and_the_form():
    rows = [
        row("kind", "select", 0, config={"options": OPTIONS}),
        row("people", "group", 1),
        row("name", "text", 2, group_key="people"),
        row("is_minor", "checkbox", 3, group_key="people"),
        row(
            "guardian",
            "text",
            4,
            group_key="people",
            is_required=True,
            show_if={"field": "is_minor", "op": "checked"},
        ),
        row(
            "company_role",
            "text",
            5,
            group_key="people",
            is_required=True,
            show_if={"field": "kind", "value": "legal"},
        ),
    ]
    answers = {
        "kind": "natural",
        "people": [
            {"is_minor": True, "guardian": "پدر"},
            {"name": "علی", "is_minor": False},
            {"is_minor": False},
        ],
    }
    # A row with nothing but unticked boxes is an empty row (as the web form's spare row is).
    assert validate_answers(rows, answers) == {
        "kind": "natural",
        "people": [{"is_minor": True, "guardian": "پدر"}, {"name": "علی", "is_minor": False}],
    }
    with translation.override("en"):
        assert errors_of(
            rows, {"kind": "legal", "people": [{"is_minor": True, "guardian": "پدر"}]}
        ) == {"people.0.company_role": ["This field is required."]}


def test_unknown_answers_and_non_objects_are_refused():
    with translation.override("en"):
        assert errors_of(every_type(), {"salary": 1}) == {
            "salary": ["This form has no such field."]
        }
        with pytest.raises(InvalidAnswers) as caught:
            validate_answers(every_type(), ["not", "an", "object"])
    assert caught.value.errors == {"__all__": ["The answers must be a JSON object."]}


@pytest.mark.parametrize(
    ("calendar", "typed", "iso"),
    [
        ("jalali", "1405/01/31", "2026-04-20"),
        ("jalali", "۱۴۰۵-۰۱-۰۱", "2026-03-21"),
        ("hijri", "1447/10/01", "2026-03-20"),
        ("hijri", "١٤٤٧/١٠/٠١", "2026-03-20"),
        ("gregorian", "2026-04-20", "2026-04-20"),
        ("jalali", "2026-04-20", "2026-04-20"),
    ],
)
def test_dates_are_typed_in_the_fields_calendar_and_stored_gregorian(calendar, typed, iso):
    rows = [row("day", "date", config={"calendar": calendar})]
    assert validate_answers(rows, {"day": typed}) == {"day": iso}


def test_date_bounds_use_the_fields_calendar_in_the_message():
    rows = [row("day", "date", config={"calendar": "jalali", "min": "2026-03-21"})]
    with translation.override("en"):
        assert errors_of(rows, {"day": "1404/12/29"}) == {
            "day": ["The date must not be before 1405/01/01."]
        }


def test_the_web_form_validates_uploads_by_their_content_and_keeps_them():
    rows = [
        row("name", "text", 0, is_required=True),
        row(
            "lease",
            "file",
            1,
            is_required=True,
            config={"allowed_types": ["pdf"], "max_size_kb": 10, "max_count": 2},
        ),
        row("photo", "image", 2),
        row("partners", "group", 3),
        row("partner_name", "text", 4, group_key="partners", is_required=True),
    ]
    data = {
        "name": "علی",
        "partners-rows": "2",
        "partners-0-partner_name": "سارا",
        "partners-1-partner_name": "",
    }
    files = {
        "lease": [SimpleUploadedFile("lease.pdf", PDF)],
        "photo": SimpleUploadedFile("me.png", PNG),
    }
    form = AnswerForm(rows, data, files)
    assert form.is_valid(), form.errors
    assert form.answers == {
        "name": "علی",
        "lease": [
            {
                "name": "lease.pdf",
                "size": len(PDF),
                "content_type": "application/pdf",
                "sha256": SHA_PDF,
            }
        ],
        "photo": [
            {
                "name": "me.png",
                "size": len(PNG),
                "content_type": "image/png",
                "sha256": hashlib.sha256(PNG).hexdigest(),
            }
        ],
        "partners": [{"partner_name": "سارا"}],
    }
    assert [upload.name for upload in form.uploads["lease"]] == ["lease.pdf"]


def test_the_web_form_rejects_a_file_whose_content_does_not_match_and_reports_group_rows():
    rows = [
        row("lease", "file", 0, is_required=True, config={"allowed_types": ["pdf"]}),
        row("partners", "group", 1),
        row(
            "partner_name",
            "text",
            2,
            label_fa="نام",
            label_en="Name",
            group_key="partners",
            is_required=True,
        ),
        row("partner_code", "national_code", 3, label_fa="کد", group_key="partners"),
    ]
    data = {"partners-rows": "1", "partners-0-partner_code": "0012345679"}
    files = {"lease": SimpleUploadedFile("lease.pdf", b"MZ\x90\x00 not a pdf")}
    with translation.override("en"):
        form = AnswerForm(rows, data, files)
        assert not form.is_valid()
        assert form.errors == {
            "lease": ["lease.pdf: the file's content is not a pdf file."],
            "partners": ["Row 1, Name: This field is required."],
        }


def test_the_web_form_renders_every_type():
    from django.template.loader import render_to_string

    html = render_to_string("catalog/_answer_form.html", {"form": AnswerForm(every_type())})
    for item in every_type():
        if item.group_key:
            assert f'name="partners-0-{item.key}"' in html
        elif item.field_type == "group":
            assert 'name="partners-rows"' in html
        elif item.field_type == "cascading_select":
            assert 'name="place_0"' in html and 'name="place_1"' in html
        else:
            assert f'name="{item.key}"' in html
    assert 'data-jdp=""' in html


# --- definitions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "errors"),
    [
        (
            row("a", "text", config={"maxlength": 3}),
            {"config": ["This type does not use: maxlength."]},
        ),
        (row("a", "select", config={}), {"config": ['Give the "options" as a list.']}),
        (
            row("a", "select", config={"options": [{"value": "x/y", "label_fa": "x"}]}),
            {"config": ['Option values are short texts without "/": x/y']},
        ),
        (
            row(
                "a",
                "cascading_select",
                config={
                    "levels": [{"label_fa": "استان"}, {"label_fa": "شهر"}],
                    "options": [{"value": "t", "label_fa": "ت"}],
                },
            ),
            {"config": ['Give the "options" as a list.']},
        ),
        (
            row("a", "number", config={"min": 5, "max": 1}),
            {"config": ["min must not be above max."]},
        ),
        (
            row("a", "date", config={"calendar": "mayan"}),
            {"config": ['The calendar is "jalali", "hijri" or "gregorian".']},
        ),
        (
            row("a", "image", config={"allowed_types": ["pdf"]}),
            {"config": ["Allowed types are some of: gif, jpeg, jpg, png, webp."]},
        ),
        (
            row("a", "text", show_if={"field": "b", "op": "like"}),
            {"show_if": ["The operator is one of: equals, not_equals, in, checked, empty."]},
        ),
        (
            row("a", "group", group_key="b"),
            {"group_key": ["A repeating group cannot be inside another."]},
        ),
    ],
)
def test_bad_field_definitions_are_explained(item, errors):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        check_field_definition(item)
    assert caught.value.message_dict == errors


def test_a_form_definition_must_hang_together():
    rows = [
        row("a", "text", 0, show_if={"field": "b", "op": "checked"}),
        row("b", "checkbox", 1),
        row("c", "text", 2, group_key="b"),
        row("b", "text", 3),
    ]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        check_form_definition(rows)
    assert caught.value.messages == [
        "The key b is used twice.",
        "a: its condition must refer to an earlier field, not b.",
        "c: b is not a repeating group of this form.",
    ]


# --- answers against the form version (R-5) ---------------------------------------------------


@pytest.mark.django_db
def test_answers_are_checked_against_the_form_of_their_version(make_service):
    service = make_service("17041325104")
    first = service.current_version
    fields = [
        {"key": "national_code", "field_type": "national_code", "label_fa": "کد ملی"},
        {
            "key": "shop_area",
            "field_type": "number",
            "label_fa": "مساحت",
            "is_required": True,
            "position": 1,
        },
    ]
    second = services.revise_service(service, changes={"form_fields": fields}, actor=None)
    answers = {"national_code": "0012345679"}
    assert validate_answers(first, answers) == {"national_code": "0012345679"}
    with translation.override("en"), pytest.raises(InvalidAnswers) as caught:
        validate_answers(second, answers)
    assert caught.value.errors == {"shop_area": ["This field is required."]}
    assert second.changed_fields == ["form_fields"]


def test_each_form_gets_its_own_cascading_widget_sharing_the_option_tree() -> None:
    import copy

    field = CascadingSelectField(
        options=[
            {
                "value": "tehran",
                "label_fa": "تهران",
                "children": [{"value": "rey", "label_fa": "ری"}],
            }
        ],
        levels=[{"label_fa": "استان"}, {"label_fa": "شهر"}],
        language="fa",
    )
    first, second = copy.deepcopy(field), copy.deepcopy(field)
    first.widget.attrs["data-x"] = "1"
    first.widget.widgets[1].attrs["class"] = "changed"

    assert second.widget is not first.widget and "data-x" not in second.widget.attrs
    assert second.widget.widgets[1].attrs["class"] == "form-select"
    assert field.widget.widgets[1].attrs["class"] == "form-select"
    # the options are shared, not normalised again for every form
    assert second.widget.widgets[1].choices is field.widget.widgets[1].choices
    assert list(second.widget.widgets[1].choices) == [("", "—"), ("تهران", [("tehran/rey", "ری")])]
    assert "tehran/rey" in second.widget.render("city", ["tehran", "rey"])
