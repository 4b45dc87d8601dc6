"""A page's path id beyond what its column holds is bad input (422 with the limit), not a 500."""

from __future__ import annotations

import pytest
from tests.web.test_pages import csrf_of, sign_in

TOO_LARGE = [2**31, 2**63, 10**30]
PAGES = {  # who: the pages (GET) and forms (POST) with an id in their path
    "admin": (
        ["/admin/users/{n}", "/cases/{n}"],
        [
            "/admin/users/{n}",
            "/admin/users/{n}/active",
            "/admin/users/{n}/password",
            "/admin/departments/{n}/rename",
            "/registry/residents/{n}/reveal",
        ],
    ),
    "dispatcher": (["/cases/{n}"], ["/cases/{n}/act"]),
    "supervisor": (["/field/tasks/{n}"], ["/field/tasks/{n}"]),
    "grid_worker": ([], ["/registry/residents/{n}/reveal", "/registry/visits/{n}/case"]),
}
FORM = {
    "reason": "核对",
    "class_code": "SS0102",
    "action": "accept",
    "version": "1",
    "name": "x",
    "password": "x",
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_a_path_id_beyond_its_column_is_a_422(client, make_user, role) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user(role))
    token = csrf_of(client.get("/").text)
    gets, posts = PAGES[role]
    answers = {}
    for n in TOO_LARGE:
        for url in gets:
            answers["GET " + url.format(n=n)] = client.get(url.format(n=n)).status_code
        for url in posts:
            r = client.post(url.format(n=n), data={**FORM, "csrf_token": token})
            answers["POST " + url.format(n=n)] = r.status_code
    # a case id is a BIGINT: 2^31 is a well-formed id of no case (404); beyond 2^63 - 1 none is
    wrong = {
        k: v
        for k, v in answers.items()
        if v != (404 if "/2147483648" in k and ("/cases/" in k or "/field/tasks/" in k) else 422)
    }
    assert not wrong, wrong
