"""Form builder (R-9): field rows become Django form fields, and answers are checked against them.

`form_field_for(row)` gives the form field of one row; `AnswerForm(rows, data, files)` is the web
form of a card version; `validate_answers(version, answers)` checks a JSON answer document
server-side (show-if conditions included: a hidden field is never required and its answer is
dropped) and returns the cleaned document, or raises `InvalidAnswers`.
"""

from khedmat.catalog.formbuilder.definition import (
    FILE_SIGNATURES,
    check_field_definition,
    check_form_definition,
    ordered_rows,
)
from khedmat.catalog.formbuilder.engine import (
    AnswerForm,
    InvalidAnswers,
    condition_holds,
    form_field_for,
    rows_of,
    split_rows,
    to_json,
    validate_answers,
)
from khedmat.catalog.formbuilder.fields import parse_local_date

__all__ = [
    "FILE_SIGNATURES",
    "AnswerForm",
    "InvalidAnswers",
    "check_field_definition",
    "check_form_definition",
    "condition_holds",
    "form_field_for",
    "ordered_rows",
    "parse_local_date",
    "rows_of",
    "split_rows",
    "to_json",
    "validate_answers",
]
