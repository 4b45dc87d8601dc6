"""The two long lists a person pages through — the admin's 专业部门 (hundreds of departments) and the
public class list (hundreds of classes): a page of rows with a pager, a search that narrows the
list, and a fixed number of SQL statements whatever the number of rows shown, so that neither can
grow back into the multi-second page it was (the timings are in bench/bench_long_lists.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from tests.web.test_pages import sign_in

from gridcity.services.platform import Platform
from gridcity.web.admin.people import DEPARTMENTS_PAGE
from gridcity.web.portal import CLASSES_PAGE


@contextmanager
def counting(platform: Platform) -> Iterator[list[str]]:
    """The SQL statements the platform's engine runs inside the block."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(platform.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(platform.engine, "before_cursor_execute", count)


def _statements(client, platform: Platform, url: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    client.get(url)  # the platform's caches (catalogue, territory) are warm, as on a running server
    with counting(platform) as seen:
        r = client.get(url)
    assert r.status_code == 200, r.text
    return r.text, len(seen)


def _department_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)">', html)


def test_the_admin_pages_through_the_departments_and_searches_them(client, platform, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110000"))
    first, statements = _statements(client, platform, "/admin/departments")
    rows = _department_rows(first)
    assert len(rows) == DEPARTMENTS_PAGE  # the city has hundreds: one page of them
    total = int(re.search(r"1–\d+ / (\d+)", first).group(1))  # type: ignore[union-attr]
    assert total > 2 * DEPARTMENTS_PAGE
    assert 'href="/admin/departments?page=2" rel="next"' in first

    second = client.get("/admin/departments?page=2").text
    assert _department_rows(second) and not set(_department_rows(second)) & set(rows)
    assert 'href="/admin/departments" rel="prev"' in second
    last = client.get("/admin/departments?page=999").text  # past the end: the last page
    assert _department_rows(last) and f"/ {total}" in last and 'rel="next"' not in last

    searched, searched_statements = _statements(client, platform, "/admin/departments?q=110101-CGW")
    assert _department_rows(searched) == ["110101-CGW"] and "共 1 条" in searched
    # the same statements for 1 row as for 50: nothing is read row by row
    assert statements == searched_statements and statements <= 12
    paged_search = client.get("/admin/departments?q=110101&page=2").text
    assert all(code.startswith("110101") for code in _department_rows(paged_search))
    assert "q=110101" in paged_search  # the pager keeps the search


def test_the_public_class_list_is_paged_and_searchable(client, platform) -> None:  # type: ignore[no-untyped-def]
    first, statements = _statements(client, platform, "/portal/classes")
    assert first.count("<tr>") - 1 == CLASSES_PAGE  # one header row, then a page of classes
    total = int(re.search(r"共 (\d+) 类", first).group(1))  # type: ignore[union-attr]
    assert total > 5 * CLASSES_PAGE and 'href="/portal/classes?page=2" rel="next"' in first

    searched, searched_statements = _statements(client, platform, "/portal/classes?q=井盖")
    found = int(re.search(r"共 (\d+) 类", searched).group(1))  # type: ignore[union-attr]
    assert 0 < found < total and "井盖" in searched
    assert statements == searched_statements and statements <= 12

    wide = client.get("/portal/classes", params={"q": "井", "page": 2}).text
    if found > CLASSES_PAGE:
        assert "q=%E4%BA%95" in wide  # the pager keeps the search
    assert client.get("/portal/classes?page=0").status_code == 422
