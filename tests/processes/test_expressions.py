"""The restricted evaluator: what diagrams may say, and what never runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from khedmat.processes.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    check_expression,
    evaluate_expression,
)

DATA = {
    "approved": True,
    "amount": 1500,
    "city": "Tehran",
    "tags": ["urgent", "licence"],
    "owner": {"age": 42, "name": "Zahra"},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("approved == True", True),
        ("approved", True),
        ("not approved", False),
        ("amount > 1000 and city == 'Tehran'", True),
        ("amount < 1000 or city in ['Qom', 'Tehran']", True),
        ("'urgent' in tags", True),
        ("'closed' not in tags", True),
        ("owner['age'] >= 18", True),
        ("tags[0]", "urgent"),
        ("tags[-1]", "licence"),
        ("amount * 2 - 100", 2900),
        ("amount / 4", 375.0),
        ("amount % 7", 1500 % 7),
        ("-amount", -1500),
        ("len(tags) == 2", True),
        ("max(amount, 2000)", 2000),
        ("round(2.567, 2)", 2.57),
        ("int('12') + float('0.5')", 12.5),
        ("str(amount) + ' rials'", "1500 rials"),
        ("abs(-3)", 3),
        ("bool(0)", False),
        ("'big' if amount > 1000 else 'small'", "big"),
        ("1 < amount < 2000", True),
        ("owner['missing'] is None", True),
        ("{'a': 1}['a']", 1),
        ("'PT1H'", "PT1H"),
    ],
)
def test_allowed_expressions_evaluate(source: str, expected: object) -> None:
    assert evaluate_expression(source, DATA) == expected


def test_an_unknown_name_is_none_so_a_condition_on_it_is_false() -> None:
    assert evaluate_expression("unanswered", DATA) is None
    assert evaluate_expression("unanswered == True", DATA) is False
    assert evaluate_expression("approved == True", {}) is False


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__import__('os').system('touch /tmp/x')", "Attribute access is not allowed"),
        ("__import__('os')", "Calling __import__ is not allowed"),
        ("().__class__.__bases__[0].__subclasses__()", "Attribute access is not allowed"),
        ("open('/etc/passwd')", "Calling open is not allowed"),
        ("eval('1')", "Calling eval is not allowed"),
        ("exec('import os')", "Calling exec is not allowed"),
        ("getattr(city, 'upper')()", "is not allowed"),
        ("(lambda: 1)()", "is not allowed"),
        ("(lambda: __import__('os'))()", "is not allowed"),
        ("[x for x in tags]", "A comprehension is not allowed"),
        ("{x: 1 for x in tags}", "A comprehension is not allowed"),
        ("(x for x in tags)", "A comprehension is not allowed"),
        ("city.upper()", "Attribute access is not allowed"),
        ("f'{city!r:>{amount}}'", "An f-string is not allowed"),
        ("(y := 1)", "An assignment is not allowed"),
        ("max(*tags)", "A keyword or starred argument is not allowed"),
        ("int('1', base=2)", "A keyword or starred argument is not allowed"),
        ("{**owner}", "Unpacking with ** is not allowed"),
        ("tags[amount]", "A subscript that is not a constant key is not allowed"),
        ("tags[0:1]", "A subscript that is not a constant key is not allowed"),
        ("2 ** 100000", "The operator Pow is not allowed"),
        ("amount // 2", "The operator FloorDiv is not allowed"),
        ("~amount", "The operator Invert is not allowed"),
        ("b'bytes'", "This kind of literal is not allowed"),
        ("import os", "The expression is not valid"),
        ("x = 1", "The expression is not valid"),
        ("", "The expression is empty"),
        ("_private", "Names starting with an underscore"),
        ("__builtins__", "Names starting with an underscore"),
    ],
)
def test_forbidden_expressions_are_refused_before_running(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        check_expression(source)
    assert message in str(caught.value)
    with pytest.raises(ExpressionError):
        evaluate_expression(source, DATA)


def test_a_malicious_expression_never_creates_the_file(tmp_path: Path) -> None:
    target = Path("/tmp/x")  # noqa: S108  (the file the attack tries to create)
    existed = target.exists()
    attempts = [
        "__import__('os').system('touch /tmp/x')",
        "().__class__.__bases__[0].__subclasses__()",
        "open('/tmp/x', 'w')",
        "(lambda: __import__('os').system('touch /tmp/x'))()",
        "[c for c in ().__class__.__base__.__subclasses__()]",
    ]
    for source in attempts:
        with pytest.raises(ExpressionError):
            evaluate_expression(source, {"os": "not a module"})
    assert target.exists() == existed
    if not existed:
        assert not target.exists()


def test_too_long_and_too_deep_expressions_are_refused() -> None:
    with pytest.raises(ExpressionError, match=f"longer than {MAX_LENGTH} characters"):
        check_expression("1 + " * 200 + "1")
    deep = "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    assert evaluate_expression(deep) == 1  # parentheses alone add no depth
    nested = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(ExpressionError, match="too deeply nested"):
        check_expression(nested)
    with pytest.raises(ExpressionError, match="too deeply nested"):
        check_expression("not " * (MAX_DEPTH + 1) + "approved")
    with pytest.raises(ExpressionError):
        check_expression("-" * 100_000 + "1")


def test_values_too_long_to_build_are_refused() -> None:
    with pytest.raises(ExpressionError, match="too long"):
        evaluate_expression("'x' * 100000000")
    with pytest.raises(ExpressionError, match="too long"):
        evaluate_expression("[1] * 20000")


def test_a_failing_expression_says_why() -> None:
    with pytest.raises(ExpressionError, match="ZeroDivisionError"):
        evaluate_expression("amount / 0", DATA)
    with pytest.raises(ExpressionError, match="TypeError"):
        evaluate_expression("city + 1", DATA)
    with pytest.raises(ExpressionError, match="Only dictionaries, lists and text"):
        evaluate_expression("amount[0]", DATA)


def test_a_callable_in_the_data_is_not_a_value() -> None:
    with pytest.raises(ExpressionError, match="is not a value"):
        evaluate_expression("hook", {"hook": print})
