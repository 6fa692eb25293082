"""core.forms.PlainSelect: Django's select markup, written without a template per option."""

from __future__ import annotations

import pytest
from django import forms

from khedmat.core.forms import PlainSelect

CHOICES = [("", "Any"), ("a&b", "<b>bold</b> & co"), ("2", "دو"), ("3", "three")]


class Both(forms.Form):
    plain = forms.ChoiceField(
        choices=CHOICES, required=False, widget=PlainSelect(attrs={"class": "form-select"})
    )
    django = forms.ChoiceField(
        choices=CHOICES, required=False, widget=forms.Select(attrs={"class": "form-select"})
    )


def _same_markup(form: Both) -> tuple[str, str]:
    plain = str(form["plain"]).replace("plain", "FIELD")
    django = str(form["django"]).replace("django", "FIELD")
    return plain, django


@pytest.mark.parametrize("value", ["", "a&b", "2", "nothing"])
def test_the_markup_is_djangos(value):
    plain, django = _same_markup(Both({"plain": value, "django": value}))

    assert plain == django
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in plain  # labels and values escaped


def test_an_unbound_form_and_a_required_field_match_too():
    class Required(forms.Form):
        plain = forms.ChoiceField(choices=CHOICES[1:], widget=PlainSelect)
        django = forms.ChoiceField(choices=CHOICES[1:], widget=forms.Select)

    plain = str(Required()["plain"]).replace("plain", "FIELD")
    django = str(Required()["django"]).replace("django", "FIELD")

    assert plain == django
    assert plain.count(" selected") == 0
