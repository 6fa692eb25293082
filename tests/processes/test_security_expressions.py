"""The evaluator's work budget: expressions that used to hang or allocate gigabytes are refused at
once with an error naming the limit (issue 20, item 2).

The dangerous cases run in a forked child with a CPU-time and memory limit, so a guard that
regresses fails this test (the child is killed or runs out of memory) instead of hanging CI.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from multiprocessing.connection import Connection
from typing import Any

import pytest

from khedmat.processes.expressions import (
    MAX_FORMAT_WIDTH,
    MAX_INT_DIGITS,
    MAX_ROUND_DIGITS,
    MAX_STEPS,
    MAX_VALUE_SIZE,
    MAX_WORK,
    ExpressionError,
    check_expression,
    evaluate_expression,
)
from khedmat.processes.expressions import _Evaluator as Evaluator

#: What the child may use: seconds of CPU and bytes of address space beyond what it has.
CHILD_CPU_SECONDS = 20
CHILD_EXTRA_MEMORY = 512 * 1024 * 1024


def _address_space() -> int:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(source: str, data: dict[str, Any], pipe: Connection) -> None:
    limit = _address_space() + CHILD_EXTRA_MEMORY
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS))
    try:
        value = evaluate_expression(source, data)
    except ExpressionError as error:
        pipe.send(("refused", str(error.message)))
    except BaseException as error:  # noqa: BLE001  (anything else is a failure)
        pipe.send(("crashed", type(error).__name__))
    else:
        pipe.send(("value", repr(value)[:200]))


def evaluate_in_child(source: str, data: dict[str, Any] | None = None) -> tuple[str, str]:
    """Evaluate in a forked child that the kernel stops if it runs away; (outcome, detail)."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(source, data or {}, sender)
    )
    child.start()
    sender.close()
    child.join()
    try:
        outcome: tuple[str, str] = receiver.recv()
    except EOFError:  # the kernel stopped it (CPU time) before it answered
        return "killed", f"exit code {child.exitcode}"
    return outcome


@pytest.mark.parametrize(
    ("source", "message"),
    [
        # measured: seconds of CPU and growing without bound
        ("round(5, -10000000)", f"between -{MAX_ROUND_DIGITS} and {MAX_ROUND_DIGITS} digits"),
        ("round(5, 10000000)", f"between -{MAX_ROUND_DIGITS} and {MAX_ROUND_DIGITS} digits"),
        ("round(5, 1.5)", "whole number of digits"),
        # measured: never finishes (10**8 items printed from a few shared lists)
        ("str([[[[1] * 100] * 100] * 100] * 100)", f"the limit is {MAX_VALUE_SIZE} characters"),
        ("str([[[1] * 50] * 50] * 50)", f"the limit is {MAX_VALUE_SIZE} characters"),
        # measured: 2 GB allocated before the length check
        ("'%02000000000d' % 1", f"at most {MAX_FORMAT_WIDTH} characters wide"),
        ("'%.2000000000f' % 1.5", f"at most {MAX_FORMAT_WIDTH} characters wide"),
        ("'%(a(b))02000000000d' % {'a(b)': 1}", f"at most {MAX_FORMAT_WIDTH} characters wide"),
        ("'%*d' % (2000000000, 1)", "width or precision from the values"),
        ("'%.*f' % (2000000000, 1.5)", "width or precision from the values"),
        # repetition of text and lists
        ("'a' * 1000000000", f"the limit is {MAX_VALUE_SIZE} characters"),
        ("1000000000 * 'a'", f"the limit is {MAX_VALUE_SIZE} characters"),
        ("[1] * 1000000000", f"the limit is {MAX_VALUE_SIZE} characters"),
        ("(1, 2) * 1000000000", f"the limit is {MAX_VALUE_SIZE} characters"),
        ("[[0] * 100] * 1000", f"the limit is {MAX_VALUE_SIZE} characters"),
        # comparing two lists of lists walks every item: it is never built
        ("[[[1] * 60] * 60] * 60 == [[[1] * 60] * 60] * 60", f"the limit is {MAX_VALUE_SIZE}"),
        # big numbers
        ("int('9' * 5000)", f"the limit is {MAX_INT_DIGITS} digits"),
        ("big * big * big * big", f"the limit is {MAX_INT_DIGITS} digits"),
        # text from the data is measured before str() copies it
        ("str(essay)", f"the limit is {MAX_VALUE_SIZE} characters"),
        ("[essay] * 2", f"the limit is {MAX_VALUE_SIZE} characters"),
    ],
)
def test_an_expression_that_would_hang_or_exhaust_memory_is_refused(
    source: str, message: str
) -> None:
    data = {"big": 10**900, "essay": "x" * (MAX_VALUE_SIZE + 1)}

    outcome, detail = evaluate_in_child(source, data)

    assert (outcome, message in detail) == ("refused", True), detail


@pytest.mark.parametrize(
    "source",
    [
        "2 ** 10 ** 10",  # ** is not in the grammar
        "'{:>999999999}'.format(1)",  # nor attributes: no format, join, ljust, center, zfill
        "'-'.join(['a'] * 10)",
        "'a'.ljust(999999999)",
        "'a'.zfill(999999999)",
        "f'{1:>999999999}'",  # nor f-strings
        "[x for x in [1] * 10]",  # nor comprehensions
        "[[y for y in [1] * 10] for x in [1] * 10]",
    ],
)
def test_the_other_amplifiers_are_not_in_the_grammar(source: str) -> None:
    with pytest.raises(ExpressionError, match="is not allowed"):
        check_expression(source)


def test_values_within_the_limits_still_work() -> None:
    assert evaluate_expression("round(1234, -2)") == 1200
    assert evaluate_expression(f"round(2.5678, {MAX_ROUND_DIGITS})") == 2.5678
    assert evaluate_expression("'%05d-%.2f' % (42, 3.14159)") == "00042-3.14"
    assert evaluate_expression("'%%%d' % 5") == "%5"
    assert evaluate_expression("'%%99999999999d' % ()") == "%99999999999d"  # a literal, no field
    assert evaluate_expression(f"'%{MAX_FORMAT_WIDTH}d' % 1") == " " * (MAX_FORMAT_WIDTH - 1) + "1"
    assert evaluate_expression(f"len('a' * {MAX_VALUE_SIZE})") == MAX_VALUE_SIZE
    assert evaluate_expression("len(str([[1] * 10] * 10))") == len(str([[1] * 10] * 10))
    assert evaluate_expression("int('9' * 100) > 0") is True
    assert evaluate_expression("len(essay) > 10", {"essay": "x" * 50_000}) is True


def test_every_evaluation_has_a_step_budget() -> None:
    """A tree can only be so large (MAX_LENGTH), so the budget is shown on the evaluator itself."""
    import ast

    evaluator = Evaluator({})
    tree = ast.parse("1 + 1", mode="eval").body
    evaluator.steps = MAX_STEPS - 2  # the sum and its left operand fit, the right one does not
    with pytest.raises(ExpressionError, match=f"the limit is {MAX_STEPS} steps"):
        evaluator.visit(tree)


def test_every_evaluation_has_a_budget_for_all_it_builds() -> None:
    """Many values each under the size limit add up: the total is bounded too."""
    each = MAX_VALUE_SIZE // 2
    count = MAX_WORK // each + 1
    source = "[" + ", ".join([f"len('a' * {each})"] * count) + "]"

    with pytest.raises(ExpressionError, match=f"the limit is {MAX_WORK} characters or items"):
        evaluate_expression(source)
