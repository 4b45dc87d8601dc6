"""Every refusal is in the message catalogue ([8]): no `raise <DomainError subclass>(...)` in the code
base gives its message as plain text (a string literal or an f-string) — each goes through
`message("area.what", ...)`, so that a person reads it in their language.

The scan reads the source (ast), so a raise spread over several lines is caught like one on a single
line; the error classes are found by walking `DomainError.__subclasses__()` (those defined in the
services and pages included), and the message argument is the one named `message` in the class's
constructor (the second for `FieldError(reason, message)`); a helper that builds a refusal from an
error class, `refused(Conflict, text, ...)`, is held to the same rule for the text after the class.
What it catches, on a small source::

    >>> sorted(plain_text_refusals('''
    ... def f(x):
    ...     if x:
    ...         raise NotFound(f"case {x} not found")
    ...     raise Invalid(
    ...         "bad input",
    ...         key="x",
    ...     )
    ...     raise Invalid(message("case.not_found", case=x))
    ...     raise FieldError("no_class", "choose the class")
    ...     raise FieldError("no_class", message("field.no_class"))
    ...     raise ValueError("not a refusal")
    ...     raise refused(Conflict, "a form used twice", "form_used")
    ... '''))
    [(4, 'NotFound'), (5, 'Invalid'), (10, 'FieldError'), (13, 'Conflict')]
"""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import gridcity
from gridcity.domain.errors import DomainError

SRC = Path(gridcity.__file__).resolve().parent


def _error_classes() -> dict[str, int]:
    """Each DomainError subclass by name → the position of its `message` argument (every module is
    imported first, so that a class defined in a service or a page is known)."""
    for module in pkgutil.walk_packages(gridcity.__path__, "gridcity."):
        importlib.import_module(module.name)
    found: dict[str, int] = {}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        found[cls.__name__] = params.index("message")
        pending.extend(cls.__subclasses__())
    return found


ERRORS = _error_classes()


def _is_text(node: ast.expr | None) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.IfExp):  # "a" if x else "b"
        return _is_text(node.body) or _is_text(node.orelse)
    # "a " + name, "..." % x, "...".format(...): text made of text
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_text(node.func.value)
    return False


def _message_argument(call: ast.Call, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "message":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _builds_refusal(call: ast.Call, errors: dict[str, int]) -> bool:
    first = call.args[0] if call.args else None
    named = isinstance(first, ast.Name) and first.id in errors
    return named and len(call.args) > 1 and _is_text(call.args[1])


def plain_text_refusals(source: str, errors: dict[str, int] = ERRORS) -> list[tuple[int, str]]:
    """(line, class) of each raise of a domain error whose message is plain text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
            continue
        call = node.exc
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in errors and _is_text(_message_argument(call, errors[name])):
            found.append((node.lineno, name))
        elif _builds_refusal(call, errors):  # a helper that builds one: refused(Invalid, "text", ...)
            found.append((node.lineno, call.args[0].id))  # type: ignore[attr-defined]
    return found


def test_the_scan_finds_the_error_classes() -> None:
    assert {"Invalid", "NotFound", "Conflict", "Forbidden", "Unauthorized", "FieldError"} <= set(ERRORS)
    assert ERRORS["Invalid"] == 0 and ERRORS["FieldError"] == 1


def test_the_scan_catches_a_plain_text_refusal() -> None:
    failures, _ = doctest.testmod(__import__(__name__), verbose=False)
    assert failures == 0


def test_every_refusal_is_in_the_message_catalogue() -> None:
    plain = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        for line, name in plain_text_refusals(path.read_text(encoding="utf-8")):
            plain.append(f"src/gridcity/{relative}:{line}: raise {name}(<plain text>)")
    assert not plain, "refusals not in the catalogue (use message(...)):\n" + "\n".join(plain)
