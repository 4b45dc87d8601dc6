"""The security headers on every kind of answer, HSTS only over TLS, and Secure cookies
(web/security_headers.py, web/session.py `set_cookie`; docs/security.md#headers)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.support import serving

from gridcity.app import create_app
from gridcity.web.security_headers import tile_source

HSTS = "max-age=31536000"

# (what kind of answer, method, path, sign in first?, its status)
ANSWERS = [
    ("sign-in page", "GET", "/login", False, 200),
    ("signed-in page", "GET", "/work", True, 200),
    ("portal page", "GET", "/portal", False, 200),
    ("API JSON", "GET", "/api/v1/classes", False, 200),
    ("API refusal", "GET", "/api/v1/org-units", False, 401),
    ("OpenAPI document", "GET", "/openapi.json", False, 200),
    ("static file", "GET", "/static/app.css", False, 200),
    ("vendored file", "GET", "/static/vendor/swagger-ui/swagger-ui-bundle.js", False, 200),
    ("error page", "GET", "/no-such-page", False, 404),
    ("redirect", "GET", "/", False, 303),
    ("refused form post", "POST", "/logout", True, 403),
    ("NUL refused before any route", "GET", "/portal?q=%00", False, 400),
    ("fault", "GET", "/crash", False, 500),
    ("Swagger UI", "GET", "/docs", False, 200),
    ("ReDoc", "GET", "/redoc", False, 200),
    ("Open311 XML", "GET", "/open311/v2/discovery.xml", False, 200),
    ("Open311 JSON", "GET", "/open311/v2/services.json", False, 200),
    ("health", "GET", "/healthz", False, 200),
]


def app_of(platform):  # type: ignore[no-untyped-def]
    """The app, with one route that fails unexpectedly (a fault answered by the outermost layer)."""
    app = create_app(platform=platform)

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("the platform broke")

    return app


@pytest.fixture(params=["http", "https"])
def scheme(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def web(platform, scheme) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app_of(platform), base_url=f"{scheme}://testserver", raise_server_exceptions=False) as c:
        yield c


def sign_in(client: TestClient, user) -> httpx.Response:  # type: ignore[no-untyped-def]
    # the form's CSRF token is also the visitor's cookie (double submit); sent by hand because a
    # client over plain HTTP keeps a Secure cookie to itself (GRIDCITY_SECURE_COOKIES behind a proxy
    # that terminates TLS: the browser's side is HTTPS)
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', client.get("/login").text)
    assert token, "the sign-in page has no CSRF token"
    form = {"username": user.username, "password": "secret-pw", "csrf_token": token.group(1)}
    r = client.post(
        "/login", data=form, headers={"Cookie": f"gridcity_csrf={token.group(1)}"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return r


def policy(response: httpx.Response) -> dict[str, str]:
    directives = (d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


@pytest.mark.parametrize(
    ("kind", "method", "path", "signed_in", "status"), ANSWERS, ids=[a[0] for a in ANSWERS]
)
def test_every_kind_of_answer_carries_the_headers(
    web, scheme, make_user, kind, method, path, signed_in, status
) -> None:  # type: ignore[no-untyped-def]
    if signed_in:
        sign_in(web, make_user("dispatcher"))
    r = web.request(method, path, follow_redirects=False)
    assert r.status_code == status, (kind, r.text[:200])
    csp = policy(r)
    assert csp["script-src"] == "'self'"  # no inline script, no eval, no CDN: on every page
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["img-src"] == "'self' data:"  # no tile server configured
    # ReDoc writes its styles as <style> elements and a data: font: that page alone allows both
    assert csp["style-src"] == ("'self' 'unsafe-inline'" if path == "/redoc" else "'self'")
    assert csp["font-src"] == ("'self' data:" if path == "/redoc" else "'self'")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers.get("strict-transport-security") == (HSTS if scheme == "https" else None)


def test_the_city_tile_server_may_serve_images(platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(platform.settings, "map_tiles_url", "https://{s}.tiles.city.example/{z}/{x}/{y}.png")
    with TestClient(create_app(platform=platform)) as c:
        assert policy(c.get("/login"))["img-src"] == "'self' data: https://*.tiles.city.example"


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("", None),
        ("https://tiles.example/{z}/{x}/{y}.png", "https://tiles.example"),
        ("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", "http://10.1.2.3:8080"),
        ("https://{s}.tile.example/{z}/{x}/{y}.png", "https://*.tile.example"),
        ("https://t{s}.example/{z}/{x}/{y}.png", "https:"),  # no host source can say it: the scheme does
        ("javascript:alert(1)", None),
    ],
)
def test_the_tile_source_of_the_policy(url, source) -> None:  # type: ignore[no-untyped-def]
    assert tile_source(url) == source


def test_a_forwarded_proto_header_from_the_client_switches_nothing(platform, make_user) -> None:  # type: ignore[no-untyped-def]
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on", "Forwarded": "proto=https"}
    with TestClient(app_of(platform), headers=spoofed) as c:
        assert "strict-transport-security" not in c.get("/login").headers
        r = sign_in(c, make_user("dispatcher"))
        assert "secure" not in cookie(r, "gridcity_session")


def test_behind_tls_the_setting_turns_hsts_and_secure_cookies_on(platform, make_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(platform.settings, "behind_tls", True)
    with TestClient(app_of(platform)) as c:  # the proxy speaks plain HTTP to us
        assert c.get("/login").headers["strict-transport-security"] == HSTS
        assert "secure" in cookie(sign_in(c, make_user("dispatcher")), "gridcity_session")


@contextmanager
def uvicorn_serving(app, forwarded_allow_ips: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(app, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips) as base:
        yield base


def test_uvicorn_honours_x_forwarded_proto_only_from_a_trusted_proxy(platform) -> None:  # type: ignore[no-untyped-def]
    """Through the real server, as deployed: X-Forwarded-Proto counts only from an address in
    uvicorn's --forwarded-allow-ips; from anyone else it switches neither HSTS nor the cookies."""
    forwarded = {"X-Forwarded-Proto": "https"}
    with uvicorn_serving(app_of(platform), forwarded_allow_ips="192.0.2.10") as base:  # not us
        r = httpx.get(f"{base}/login", headers=forwarded)
        assert r.status_code == 200 and "strict-transport-security" not in r.headers
        assert "secure" not in cookie(r, "gridcity_csrf")
    with uvicorn_serving(app_of(platform), forwarded_allow_ips="127.0.0.1") as base:  # our proxy
        r = httpx.get(f"{base}/login", headers=forwarded)
        assert r.headers["strict-transport-security"] == HSTS
        assert "secure" in cookie(r, "gridcity_csrf")
        assert "strict-transport-security" not in httpx.get(f"{base}/login").headers  # plain HTTP


def cookie(response: httpx.Response, name: str) -> list[str]:
    """The attributes of the cookie `name` set by `response`, lower-cased ('secure', 'httponly', …)."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return [part.strip().lower() for part in header.split(";")[1:]]
    raise AssertionError(f"{name} was not set: {response.headers.get_list('set-cookie')}")


# every cookie the pages set: (its name, how a person gets it)
COOKIES = ["gridcity_session", "gridcity_lang", "gridcity_csrf", "gridcity_seen"]


def set_by_pages(client: TestClient, name: str, make_user) -> httpx.Response:  # type: ignore[no-untyped-def]
    if name == "gridcity_session":
        return sign_in(client, make_user("dispatcher"))
    if name == "gridcity_lang":
        return client.get("/lang/en", follow_redirects=False)
    if name == "gridcity_csrf":
        return client.get("/portal")
    sign_in(client, make_user("dispatcher"))
    return client.get("/notifications/seen?up_to=1", follow_redirects=False)


@pytest.mark.parametrize("name", COOKIES)
@pytest.mark.parametrize(
    ("scheme", "secure_cookies", "secure"),
    [("http", False, False), ("https", False, True), ("http", True, True)],
)
def test_cookies_are_secure_over_https_or_when_the_setting_says_so(  # type: ignore[no-untyped-def]
    platform, make_user, monkeypatch, name, scheme, secure_cookies, secure
) -> None:
    monkeypatch.setattr(platform.settings, "secure_cookies", secure_cookies)
    with TestClient(create_app(platform=platform), base_url=f"{scheme}://testserver") as c:
        attributes = cookie(set_by_pages(c, name, make_user), name)
    assert ("secure" in attributes) is secure
    assert "httponly" in attributes and "samesite=lax" in attributes
