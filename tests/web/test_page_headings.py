"""Every page template names its page with one h1 and every table header has a name — a check on the
templates themselves, so that a page not yet in the browser accessibility test's list
(tests/browser/test_accessibility.py) is held to it too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "gridcity" / "web" / "templates"
LAYOUTS = {"base.html", "admin/_layout.html"}  # a page extends one of these; the rest are pieces


def _pages() -> list[str]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        extends = re.search(r'{%\s*extends\s+"([^"]+)"', path.read_text(encoding="utf-8"))
        if name not in LAYOUTS and extends and extends.group(1) in LAYOUTS:
            found.append(name)
    return found


def test_the_templates_hold_the_pages() -> None:
    assert {"work/queue.html", "admin/users.html", "public/home.html"} <= set(_pages())


@pytest.mark.parametrize("name", _pages())
def test_a_page_has_an_h1(name: str) -> None:
    """Without its own h1 a page is a list of anonymous sections to a screen reader (WCAG 1.3.1,
    2.4.6); one that shows no title to the eye gives it class="visually-hidden"."""
    assert "<h1" in (TEMPLATES / name).read_text(encoding="utf-8"), f"{name} has no <h1>"


ALL = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("name", ALL)
def test_no_table_header_is_empty(name: str) -> None:
    """An action column's header says so, for screen readers only if the eye needs no word there."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    assert not re.search(r"<th\b[^>]*>\s*</th>", text), f"{name} has an empty <th>"
