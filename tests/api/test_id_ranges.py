"""Ids beyond what the integer columns hold (2^31 for INTEGER ids, 2^63 for a case's BIGINT) are bad
input — a 422 naming the limit — on every registry and case route, never a driver error (500)."""

from __future__ import annotations

from typing import Any

import pytest

R = "/api/v1/registry"
TOO_LARGE = [2**31, 2**63, 10**30]  # an INTEGER column's limit, a BIGINT's, beyond any


INTEGER, BIGINT = 2**31 - 1, 2**63 - 1


def _routes(n: int) -> list[tuple[str, str, dict[str, Any] | None, str]]:
    """(method, url, JSON body, who) of the routes that take an id (of an INTEGER column, but for
    the case's own id in the path, a BIGINT)."""
    return [
        ("get", f"{R}/places/{n}", None, "admin"),
        ("patch", f"{R}/places/{n}", {"name": "x"}, "admin"),
        ("post", f"{R}/places/{n}/end", None, "admin"),
        ("get", f"{R}/organisations/{n}", None, "admin"),
        ("get", f"{R}/things/{n}", None, "admin"),
        ("get", f"{R}/residents/{n}", None, "admin"),
        ("post", f"{R}/residents/{n}/move-out", None, "admin"),
        ("post", f"{R}/households/{n}/end", None, "admin"),
        ("get", f"{R}/visits?household_id={n}", None, "grid_worker"),
        ("post", f"{R}/visits/{n}/case", {"class_code": "SS0102"}, "grid_worker"),
        ("post", f"{R}/visits", {"household_id": n, "kind": "visit", "note": "x"}, "grid_worker"),
        ("post", f"{R}/visits", {"household_id": 1, "note": "x", "resident_id": n}, "grid_worker"),
        ("post", f"{R}/households", {"place_id": n}, "admin"),
        ("post", f"{R}/residents", {"household_id": n, "name": "x"}, "admin"),
        ("post", f"{R}/things", {"kind": "hazard", "name": "x", "place_id": n}, "admin"),
        ("post", f"{R}/organisations", {"kind": "company", "name": "x", "place_id": n}, "admin"),
        ("get", f"{R}/access-log?resident_id={n}", None, "admin"),
        ("get", f"{R}/access-log?offset={n}", None, "admin"),
        ("get", f"/api/v1/cases/{n}/subjects", None, "admin"),
        ("post", "/api/v1/cases/1/subjects", {"kind": "place", "subject_id": n}, "admin"),
    ]


@pytest.mark.parametrize("n", TOO_LARGE)
def test_an_id_beyond_its_column_is_a_422_not_a_500(client, make_user, login, n) -> None:  # type: ignore[no-untyped-def]
    headers = {role: login(make_user(role)) for role in ("admin", "grid_worker")}
    wrong = {}
    for method, url, body, who in _routes(n):
        r = getattr(client, method)(url, headers=headers[who], **({"json": body} if body else {}))
        limit = BIGINT if url == f"/api/v1/cases/{n}/subjects" else INTEGER
        # within its column's range an id is well formed and names nothing: 404
        expected = (422, "at most") if n > limit else (404, "")
        if r.status_code != expected[0] or expected[1] not in r.json()["detail"]:
            wrong[(method, url, str(body))] = (r.status_code, r.json()["detail"])
    assert not wrong, wrong
