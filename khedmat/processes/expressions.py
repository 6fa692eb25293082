"""Restricted BPMN expressions: a small interpreter over Python's `ast`, never `eval` or `exec`.

The grammar: literals (numbers, strings, booleans, None, lists, tuples, dicts), names looked up in
the task data (an unknown name is None, so a condition on an unanswered field is simply false),
comparisons (including `in`, `not in`, `is`, `is not`), `and`/`or`/`not`, `+ - * / %`, unary minus,
`a if c else b`, subscripts with a constant key, and calls of a few pure built-ins. Anything else —
attributes, imports, lambdas, comprehensions, f-strings, `**`, assignments, starred arguments, names
with a leading underscore — is refused when the expression is parsed, before anything runs.

Conditions run inside the applicant's submission, so every evaluation has a work budget: at most
MAX_STEPS nodes visited, no value larger than MAX_VALUE_SIZE (a list counts its items all the way
down, so lists repeated inside lists cannot hide their size), no number longer than MAX_INT_DIGITS,
at most MAX_WORK built in all. The operations that could allocate or compute before their result
is checked are checked first: `*` on text and lists, `%` formatting widths, `str()`, `int()` and
`round()` digits. Each refusal is an ExpressionError that names the limit.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

#: Longest expression accepted, in characters.
MAX_LENGTH = 500
#: Deepest expression tree accepted.
MAX_DEPTH = 20
#: Largest value an expression may build or turn into text, about its length as text: a string's
#: characters; a list, tuple or dict one per item plus its items' own size (guards `"x" * 10**9`
#: and `str([[[[1] * 100] * 100] * 100] * 100)`).
MAX_VALUE_SIZE = 10_000
#: Most expression nodes one evaluation may visit.
MAX_STEPS = 1_000
#: Most one evaluation may build in all: the sum of the sizes of every value it makes.
MAX_WORK = 100_000
#: Longest whole number an expression may build or read from text, in decimal digits.
MAX_INT_DIGITS = 1_000
#: `round(x, n)`: n between -MAX_ROUND_DIGITS and MAX_ROUND_DIGITS (guards `round(5, -10**7)`).
MAX_ROUND_DIGITS = 100
#: `%` formatting: widest field and most digits of precision (guards `'%02000000000d' % 1`).
MAX_FORMAT_WIDTH = 1_000

_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.33) + 1


def _too_long() -> ExpressionError:
    return ExpressionError(
        _(
            "The expression builds a value that is too long: the limit is %(limit)d characters or items."
        )
        % {"limit": MAX_VALUE_SIZE}
    )


def _too_large() -> ExpressionError:
    return ExpressionError(
        _("The expression builds a number that is too large: the limit is %(limit)d digits.")
        % {"limit": MAX_INT_DIGITS}
    )


def _size(value: Any, limit: int = MAX_VALUE_SIZE) -> int:
    """About how long `value` is as text, counting a shared item each time it appears.

    Stops as soon as the count passes `limit`, so a list repeated inside lists costs at most
    `limit` steps to measure, however large it would be printed.
    """
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, bool) or item is None:
            total += 1
        elif isinstance(item, int):
            total += 1 + item.bit_length() * 3 // 10
        elif isinstance(item, list | tuple | dict):
            total += 1 + len(item)
            if total <= limit:
                stack.extend(item.items() if isinstance(item, dict) else item)
        else:  # floats, dates: short
            total += 1
    return total


def _str(value: Any) -> str:
    if _size(value) > MAX_VALUE_SIZE:
        raise _too_long()
    return str(value)


def _int(value: Any) -> int:
    if isinstance(value, str) and len(value.strip()) > MAX_INT_DIGITS:
        raise _too_large()
    return int(value)


def _round(value: Any, digits: Any = None) -> Any:
    if digits is None:
        return round(value)
    if not isinstance(digits, int) or isinstance(digits, bool):
        raise ExpressionError(_("round() takes a whole number of digits."))
    if abs(digits) > MAX_ROUND_DIGITS:
        raise ExpressionError(
            _("round() takes between -%(limit)d and %(limit)d digits.")
            % {"limit": MAX_ROUND_DIGITS}
        )
    return round(value, digits)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "str": _str,
    "int": _int,
    "float": float,
    "bool": bool,
    "min": min,
    "max": max,
    "abs": abs,
    "round": _round,
}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda left, right: left in right,
    ast.NotIn: lambda left, right: left not in right,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_CONSTANT_TYPES = (str, int, float, bool, type(None))


class ExpressionError(ValueError):
    """An expression is not allowed or failed; `message` is translated and safe to show."""

    def __init__(self, message: object) -> None:
        self.message = message
        super().__init__(str(message))


def parse_expression(source: str) -> ast.Expression:
    """Parse and check `source` against the restricted grammar; raise ExpressionError if refused."""
    if not isinstance(source, str):
        raise ExpressionError(_("An expression must be text."))
    source = source.strip()
    if not source:
        raise ExpressionError(_("The expression is empty."))
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            _("The expression is longer than %(limit)d characters.") % {"limit": MAX_LENGTH}
        )
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(
            _("The expression is not valid: %(error)s") % {"error": error.msg}
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(_("The expression is too deeply nested.")) from None
    _check(tree.body, depth=1)
    return tree


def check_expression(source: str) -> None:
    """Raise ExpressionError if `source` does not parse under the restricted grammar."""
    parse_expression(source)


def evaluate_expression(source: str, data: Mapping[str, Any] | None = None) -> Any:
    """Evaluate `source` with names looked up in `data`; raise ExpressionError when it fails."""
    tree = parse_expression(source)
    try:
        return _Evaluator(data or {}).visit(tree.body)
    except ExpressionError:
        raise
    except (
        TypeError,
        ValueError,
        ZeroDivisionError,
        KeyError,
        IndexError,
        OverflowError,
        RecursionError,
        MemoryError,
    ) as error:
        raise ExpressionError(
            _("The expression failed: %(error)s") % {"error": f"{type(error).__name__}: {error}"}
        ) from None


# --- the check, before anything runs ------------------------------------------------------------


def _refuse(node: ast.AST, what: object) -> ExpressionError:
    return ExpressionError(_("%(what)s is not allowed in an expression.") % {"what": what})


def _check(node: ast.AST, *, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ExpressionError(_("The expression is too deeply nested."))
    checker = _CHECKS.get(type(node))
    if checker is None:
        raise _refuse(node, _describe(node))
    checker(node, depth)
    for child in _children(node):
        _check(child, depth=depth + 1)


def _children(node: ast.AST) -> list[ast.AST]:
    """The sub-expressions to check; operator and context nodes are checked by their parent."""
    if isinstance(node, ast.Call):
        return list(node.args)
    if isinstance(node, ast.Subscript):
        return [node.value, node.slice]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.IfExp):
        return [node.test, node.body, node.orelse]
    if isinstance(node, ast.List | ast.Tuple):
        return list(node.elts)
    if isinstance(node, ast.Dict):
        return [*(key for key in node.keys if key is not None), *node.values]
    return []


def _check_constant(node: ast.AST, depth: int) -> None:
    assert isinstance(node, ast.Constant)
    if not isinstance(node.value, _CONSTANT_TYPES):
        raise _refuse(node, _("This kind of literal"))


def _check_name(node: ast.AST, depth: int) -> None:
    assert isinstance(node, ast.Name)
    if node.id.startswith("_"):
        raise ExpressionError(
            _("Names starting with an underscore (%(name)s) are not allowed.") % {"name": node.id}
        )


def _check_call(node: ast.AST, depth: int) -> None:
    assert isinstance(node, ast.Call)
    if not isinstance(node.func, ast.Name):
        raise _refuse(node.func, _describe(node.func))
    if node.func.id not in FUNCTIONS:
        name = node.func.id
        raise ExpressionError(
            _("Calling %(name)s is not allowed; allowed functions: %(allowed)s.")
            % {"name": name, "allowed": ", ".join(sorted(FUNCTIONS))}
        )
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise _refuse(node, _("A keyword or starred argument"))


def _check_subscript(node: ast.AST, depth: int) -> None:
    assert isinstance(node, ast.Subscript)
    key = node.slice
    negative = (
        isinstance(key, ast.UnaryOp)
        and isinstance(key.op, ast.USub)
        and isinstance(key.operand, ast.Constant)
    )
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str | int)) and not negative:
        raise _refuse(node, _("A subscript that is not a constant key"))


def _check_operator(node: ast.AST, depth: int) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
        raise _refuse(node, _("The operator %(op)s") % {"op": type(node.op).__name__})
    if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
        raise _refuse(node, _("The operator %(op)s") % {"op": type(node.op).__name__})
    if isinstance(node, ast.Compare) and any(type(op) not in _COMPARE for op in node.ops):
        raise _refuse(node, _("This comparison"))


def _check_dict(node: ast.AST, depth: int) -> None:
    assert isinstance(node, ast.Dict)
    if any(key is None for key in node.keys):
        raise _refuse(node, _("Unpacking with **"))


def _accept(node: ast.AST, depth: int) -> None:
    return None


_CHECKS: dict[type[ast.AST], Callable[[ast.AST, int], None]] = {
    ast.Constant: _check_constant,
    ast.Name: _check_name,
    ast.Call: _check_call,
    ast.Subscript: _check_subscript,
    ast.BinOp: _check_operator,
    ast.UnaryOp: _check_operator,
    ast.Compare: _check_operator,
    ast.BoolOp: _accept,
    ast.IfExp: _accept,
    ast.List: _accept,
    ast.Tuple: _accept,
    ast.Dict: _check_dict,
}

_DESCRIPTIONS: dict[type[ast.AST], Any] = {
    ast.Attribute: _("Attribute access"),
    ast.Lambda: _("A lambda"),
    ast.ListComp: _("A comprehension"),
    ast.SetComp: _("A comprehension"),
    ast.DictComp: _("A comprehension"),
    ast.GeneratorExp: _("A comprehension"),
    ast.JoinedStr: _("An f-string"),
    ast.NamedExpr: _("An assignment"),
    ast.Starred: _("A starred expression"),
    ast.Await: _("Await"),
    ast.Yield: _("Yield"),
    ast.YieldFrom: _("Yield"),
    ast.Slice: _("A slice"),
    ast.Set: _("A set literal"),
}


def _describe(node: ast.AST) -> object:
    return _DESCRIPTIONS.get(type(node), type(node).__name__)


# --- the evaluation, over a checked tree --------------------------------------------------------


class _Evaluator:
    """Walks a checked tree within its budget: MAX_STEPS nodes, MAX_WORK built in all."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.steps = 0
        self.work = 0

    def visit(self, node: ast.AST) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ExpressionError(
                _("The expression does too much work: the limit is %(limit)d steps.")
                % {"limit": MAX_STEPS}
            )
        method: Callable[[Any], Any] = getattr(self, f"visit_{type(node).__name__}")
        return method(node)

    def built(self, value: Any) -> Any:
        """Check a value the expression made (not one read from the data) against the budget."""
        if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
            raise _too_large()
        size = _size(value)
        if size > MAX_VALUE_SIZE:
            raise _too_long()
        self.work += size
        if self.work > MAX_WORK:
            raise ExpressionError(
                _(
                    "The expression builds too much in all: the limit is %(limit)d characters or items."
                )
                % {"limit": MAX_WORK}
            )
        return value

    def visit_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def visit_Name(self, node: ast.Name) -> Any:
        value = self.data.get(node.id)
        if callable(value):  # task data is plain JSON; never call into anything else
            raise ExpressionError(_("%(name)s is not a value.") % {"name": node.id})
        return value

    def visit_List(self, node: ast.List) -> Any:
        return self.built([self.visit(element) for element in node.elts])

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        return self.built(tuple(self.visit(element) for element in node.elts))

    def visit_Dict(self, node: ast.Dict) -> Any:
        pairs = zip(node.keys, node.values, strict=True)
        return self.built({self.visit(k): self.visit(v) for k, v in pairs})  # type: ignore[arg-type]

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        result: Any = None
        for value in node.values:
            result = self.visit(value)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(node.op, ast.USub) else +operand

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Mult):
            _check_repetition(left, right)
        elif isinstance(node.op, ast.Mod) and isinstance(left, str):
            _check_format(left)
        return self.built(_BINARY[type(node.op)](left, right))

    def visit_Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        container = self.visit(node.value)
        if not isinstance(container, dict | list | tuple | str):
            raise ExpressionError(_("Only dictionaries, lists and text can be subscripted."))
        key = self.visit(node.slice)
        if isinstance(container, dict):
            return container.get(key)
        return container[key]

    def visit_Call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)
        arguments = [self.visit(argument) for argument in node.args]
        return self.built(FUNCTIONS[node.func.id](*arguments))


def _check_repetition(left: Any, right: Any) -> None:
    """`text * n`, `list * n`: refuse before building what would be too long."""
    for sequence, count in ((left, right), (right, left)):
        if (
            isinstance(sequence, str | list | tuple)
            and isinstance(count, int)
            and count > 0
            and _size(sequence) * count > MAX_VALUE_SIZE
        ):
            raise _too_long()


def _format_fields(template: str) -> Iterator[tuple[str, str]]:
    """The width and precision of each printf-style field, read the way Python's `%` reads them:
    %[(key)][flags][width][.precision][length]type, a key's parentheses nesting."""
    position, end = 0, len(template)
    while (position := template.find("%", position)) != -1:
        position += 1
        if position < end and template[position] == "(":
            depth, position = 1, position + 1
            while position < end and depth:
                depth += {"(": 1, ")": -1}.get(template[position], 0)
                position += 1
        while position < end and template[position] in "-#0 +":
            position += 1
        width, position = _format_number(template, position)
        precision = ""
        if position < end and template[position] == ".":
            precision, position = _format_number(template, position + 1)
        while position < end and template[position] in "hlL":
            position += 1
        position += 1  # the conversion type ("%%" is a literal percent sign)
        yield width, precision


def _format_number(template: str, position: int) -> tuple[str, int]:
    start = position
    while position < len(template) and template[position] in "0123456789*":
        position += 1
    return template[start:position], position


def _check_format(template: str) -> None:
    """`'%05d' % x`: refuse widths and precisions past MAX_FORMAT_WIDTH before formatting."""
    for width, precision in _format_fields(template):
        if "*" in width + precision:
            raise ExpressionError(
                _("A format field cannot take its width or precision from the values (*).")
            )
        for digits in (width, precision):
            if digits and (len(digits) > 6 or int(digits) > MAX_FORMAT_WIDTH):
                raise ExpressionError(
                    _("A format field may be at most %(limit)d characters wide or precise.")
                    % {"limit": MAX_FORMAT_WIDTH}
                )
