"""Every GET route of the API, every query parameter, given values no form would send (a number
beyond any column, a negative, an infinite, not-a-number, a NUL character, 5,000 characters): the
answer is the route's own or a 4xx with a message — never a 500 (both databases)."""

from __future__ import annotations

import re

from tests.api.test_intake_and_access import report_body

ODD_VALUES = ["99999999999999999999999999", "-1", "1e308", "nan", "\x00", "x" * 5000]


def test_no_query_value_makes_a_server_error(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/openapi.json").json()
    readers = [login(make_user(role)) for role in ("admin", "dispatcher")]
    failures = []
    asked = 0
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            for value in ODD_VALUES:
                for headers in readers:
                    r = client.get(url, params={parameter["name"]: value}, headers=headers)
                    asked += 1
                    if r.status_code >= 500 or (r.status_code >= 400 and not r.json().get("detail")):
                        failures.append((url, parameter["name"], value[:12], r.status_code))
    assert asked > 500  # the schema lists the routes: this walked them
    assert not failures, failures


def test_a_nul_in_the_address_is_refused_before_any_route(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("admin"))
    r = client.get("/api/v1/export/cases.csv", params={"q": "a\x00b"}, headers=headers)
    assert r.status_code == 400 and "NUL" in r.json()["detail"]
    assert client.get("/api/v1/cases", params={"q": "ab"}, headers=headers).status_code == 200


def test_a_nul_in_a_report_is_refused_where_the_database_cannot_hold_it(
    client, make_user, login, platform
) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("supervisor"))
    before = client.get("/api/v1/cases", headers=headers).json()["total"]
    r = client.post("/api/v1/cases", json=report_body(description="井盖\x00丢失"), headers=headers)
    if platform.engine.dialect.name == "postgresql":  # a text there cannot hold a NUL: nothing stored
        assert r.status_code == 422 and "cannot be stored" in r.json()["detail"], r.text
        assert client.get("/api/v1/cases", headers=headers).json()["total"] == before
    else:  # SQLite keeps the text as it came
        assert r.status_code == 201 and r.json()["description"] == "井盖\x00丢失"
