"""A refusal passes the parameters its texts name ([8]): a parameter missing at a `message(...)` call
would fail only when the refusal is shown (a KeyError, a 500, in one language only), so every call
with a literal code and literal keywords is read here and compared with both of its texts."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from gridcity.domain.messages import CATALOGUE

SRC = Path(__file__).resolve().parents[3] / "src" / "gridcity"


def _fields(template: str) -> set[str]:
    return {name.split("!")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_call_passes_the_parameters_both_texts_name() -> None:
    wrong, seen = [], 0
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "message"):
                continue
            if not (node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in CATALOGUE):
                continue
            if any(k.arg is None for k in node.keywords):  # **names: checked where it is built
                continue
            seen += 1
            zh, en = CATALOGUE[node.args[0].value]
            given = {k.arg for k in node.keywords}
            if given != _fields(zh) | _fields(en):
                where = f"{path.relative_to(SRC)}:{node.lineno}"
                wrong.append(f"{where} {node.args[0].value}: {sorted(given ^ (_fields(zh) | _fields(en)))}")
    assert seen > 100, "the scan found too few message calls"
    assert not wrong, "\n".join(wrong)
