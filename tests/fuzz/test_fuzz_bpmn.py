"""Fuzz: a BPMN document uploaded by staff (processes.engine.parse_definition) is either read or
refused with EngineError (translated), whatever its bytes: never another exception."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from khedmat.processes import engine
from khedmat.processes.engine import EngineError
from khedmat.processes.validation import validate_bpmn
from tests.fuzz.settings import FUZZ

DEMO = (Path(engine.__file__).parent / "demo" / "business-licence.bpmn").read_text(encoding="utf-8")

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;'
    "</bpmn:definitions>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
    '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" name="&x;"/>'
    "</bpmn:process></bpmn:definitions>"
)


def read_or_refuse(text: str) -> None:
    """What the upload does: the validator lists problems (never raises), and a document without
    problems loads in the engine."""
    problems = validate_bpmn(text)
    assert all(str(problem.message) for problem in problems)
    if not problems:
        assert engine.parse_definition(text).process_id
    else:
        with contextlib.suppress(EngineError):
            engine.parse_definition(text)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The demo document with a slice cut, repeated or replaced by random text."""
    start = draw(st.integers(0, len(DEMO)))
    end = draw(st.integers(start, min(len(DEMO), start + 400)))
    middle = draw(
        st.one_of(
            st.just(""),
            st.text(max_size=60),
            st.sampled_from(['"', "<", ">", "&", "/>", "</bpmn:process>", 'id="x"', "${x}"]),
            st.just(DEMO[start:end] * 2),
        )
    )
    return DEMO[:start] + middle + DEMO[end:]


@FUZZ
@given(mutated())
@example(BILLION_LAUGHS)
@example(XXE)
@example("")
@example("<bpmn:definitions/>")
def test_a_damaged_bpmn_is_read_or_refused(text: str) -> None:
    read_or_refuse(text)


@FUZZ
@given(st.text(max_size=300))
def test_random_text_is_refused(text: str) -> None:
    read_or_refuse(text)


def test_entities_are_never_expanded() -> None:
    try:
        parsed = engine.parse_xml(XXE)
    except EngineError:
        return
    start = parsed.find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}startEvent")
    assert "root:" not in (start.get("name") or "")
