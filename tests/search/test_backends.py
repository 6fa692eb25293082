"""The search backends: the §6.4 vectors, ranking and highlights (the same on SQLite and PostgreSQL).

Run this file with DATABASE_URL=postgres://… too: the expected documents are the same.
"""

from __future__ import annotations

import pytest
from django.db import connection

from khedmat.search.backends import search
from khedmat.search.highlight import highlight
from khedmat.search.keys import document_key
from khedmat.search.services import index_document, remove_document

KIND = "test"

# §6.4: each document is written one way, the queries another.
DOCUMENTS = {
    1: "كتاب درسی",  # Arabic kaf
    2: "علي",  # Arabic yeh
    3: "این کار می‌شود",  # ZWNJ
    4: "درخواستـــها",  # tatweel
    5: "مُدارِک لازم",  # diacritics
    6: "کد ۱۲۳٤٥٦",  # Persian and Arabic-Indic digits
    7: "مدرسة",  # teh marbuta
    8: "أحمد",  # alef with hamza
    9: "ﻛﺘﺎﺏ",  # presentation forms
    10: "على",  # alef maksura
}

VECTORS = [
    ("كتاب", {1, 9}),
    ("کتاب", {1, 9}),
    ("علی", {2, 10}),
    ("علي", {2, 10}),
    ("على", {2, 10}),
    ("میشود", {3}),
    ("می‌شود", {3}),
    ("می شود", {3}),
    ("درخواستها", {4}),
    ("درخواست", {4}),
    ("مدارک", {5}),
    ("مُدارِك", {5}),
    ("123456", {6}),
    ("۱۲۳۴۵۶", {6}),
    ("١٢٣", {6}),
    ("مدرسه", {7}),
    ("احمد", {8}),
    ("إحمد", {8}),
    ("ﻛﺘﺎﺏ درسی", {1}),
    ("ناموجود", set()),
    ("", set()),
]


@pytest.fixture
def documents(db: None) -> None:
    for object_id, text in DOCUMENTS.items():
        index_document(KIND, object_id, title=text)


@pytest.mark.parametrize(("query", "expected"), VECTORS)
def test_section_6_4_vectors_find_the_same_documents(
    documents: None, query: str, expected: set[int]
) -> None:
    assert {hit.id for hit in search(KIND, query)} == expected, connection.vendor


def test_document_keys_are_words_of_the_core_normaliser() -> None:
    assert document_key("كتاب‌ها، مُدارِک!", "۱۲۳") == "کتابها مدارک 123"


@pytest.mark.django_db
def test_ranking_puts_titles_first_and_text_matches_after() -> None:
    index_document(KIND, 1, title="راهنما", texts=["پروانه کسب"])
    index_document(KIND, 2, title="پروانه کسب")
    index_document(KIND, 3, title="پروانه کسب و کار")
    ids = [hit.id for hit in search(KIND, "پروانه كسب")]
    assert ids == [2, 3, 1]


@pytest.mark.django_db
def test_scopes_filter_and_removed_documents_are_not_found() -> None:
    index_document(KIND, 1, title="کتاب", scope="public")
    index_document(KIND, 2, title="کتاب", scope="staff")
    index_document(KIND, 3, title="کتاب", scope="staff")
    remove_document(KIND, 3)
    assert [h.id for h in search(KIND, "کتاب", filters={"scopes": ["public"]})] == [1]
    assert {h.id for h in search(KIND, "کتاب")} == {1, 2}
    assert search(KIND, "کتاب", filters={"scopes": []}) == []


@pytest.mark.django_db
def test_reindexing_a_document_replaces_its_words() -> None:
    index_document(KIND, 1, title="کتاب")
    index_document(KIND, 1, title="دفتر")
    assert search(KIND, "کتاب") == []
    assert [h.id for h in search(KIND, "دفتر")] == [1]


@pytest.mark.django_db
def test_hits_carry_the_highlighted_original_title() -> None:
    index_document(KIND, 1, title="كتاب‌ها <b>")
    (hit,) = search(KIND, "کتاب")
    assert hit.highlight == "<mark>كتاب‌ها</mark> &lt;b&gt;"
    assert hit.score > 0


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("كتاب درسی", "کتاب", "<mark>كتاب</mark> درسی"),
        ("مُدارِک لازم", "مدارک", "<mark>مُدارِک</mark> لازم"),
        ("درخواستـــها", "درخواست", "<mark>درخواستـــها</mark>"),
        ("این کار می‌شود", "میشود", "این کار <mark>می‌شود</mark>"),
        ("کد ۱۲۳٤٥٦", "123", "کد <mark>۱۲۳٤٥٦</mark>"),
        ("ﻛﺘﺎﺏ", "کتاب", "<mark>ﻛﺘﺎﺏ</mark>"),
        ("علي و على", "علی", "<mark>علي</mark> و <mark>على</mark>"),
        ("<script>علی</script>", "علی", "&lt;script&gt;<mark>علی</mark>&lt;/script&gt;"),
        ("کتابخانه و کتاب", "خانه", "کتابخانه و کتاب"),
        ("متن", "", "متن"),
    ],
)
def test_highlight_marks_whole_words_in_the_original_characters(
    text: str, query: str, expected: str
) -> None:
    assert highlight(text, query) == expected
