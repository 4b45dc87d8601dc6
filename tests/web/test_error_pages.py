"""Error pages, `next` through sign-in, the skip link and the favicon: what a person sees when a
page refuses or fails, and how a link to a page survives signing in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException
from tests.support import post_login

from gridcity.app import create_app
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized

from .test_pages import report, sign_in

# every status a page can give, raised as the pages raise it (a domain error or the framework's)
RAISED = {
    400: StarletteHTTPException(400),
    401: Unauthorized("token expired"),
    403: Forbidden("not yours"),
    404: NotFound("case 3001 not found"),
    405: StarletteHTTPException(405),
    409: Conflict("case changed"),
    413: StarletteHTTPException(413),
    422: Invalid("bad value"),
    429: StarletteHTTPException(429),
    503: StarletteHTTPException(503),
}
TITLES = {
    400: ("请求有误", "Bad request"),
    401: ("需要登录", "Sign-in needed"),
    403: ("无权访问", "Not allowed"),
    404: ("页面不存在", "Page not found"),
    405: ("不支持此操作方式", "This action is not possible here"),
    409: ("操作冲突", "Conflict"),
    413: ("内容过大", "Too large"),
    422: ("输入有误", "Invalid input"),
    429: ("请求过于频繁", "Too many requests"),
    500: ("系统出错", "Something went wrong"),
    503: ("服务暂不可用", "Service unavailable"),
}


@pytest.fixture
def failing_client(platform):  # type: ignore[no-untyped-def]
    """The app with two pages that fail on purpose: /boom/{status} raises what a page would raise
    for that status, /crash raises an unexpected error (a fault: 500)."""
    app = create_app(platform=platform)

    @app.get("/boom/{status}")
    def boom(status: int) -> None:
        raise RAISED[status]

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("the platform broke")

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def nav_of(html: str) -> str:
    return html.split("<main", 1)[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("status", sorted(TITLES))
def test_each_error_status_is_a_page_with_the_navigation(failing_client, make_user, status, lang) -> None:  # type: ignore[no-untyped-def]
    client = failing_client
    client.cookies.set("gridcity_lang", lang)
    title = TITLES[status][0 if lang == "zh" else 1]
    path = "/crash" if status == 500 else f"/boom/{status}"
    # signed out: the page and a way to sign in that comes back here, no sign-out
    out = client.get(path)
    assert out.status_code == status and out.headers["content-type"].startswith("text/html")
    assert f"{status} · {title}" in out.text
    assert f'href="/login?next={path}"' in out.text
    assert 'action="/logout"' not in out.text
    # signed in: the person's navigation and sign-out around the same page
    operator = make_user("operator")
    sign_in(client, operator)
    page = client.get(path)
    assert page.status_code == status and f"{status} · {title}" in page.text
    head = nav_of(page.text)
    assert 'action="/logout"' in head and operator.display_name in head
    assert 'href="/work"' in head and ("退出" if lang == "zh" else "Sign out") in head
    assert "/login?next=" not in page.text
    if status in (401, 403, 404, 409, 422):
        assert RAISED[status].message in page.text  # type: ignore[union-attr]
    if status == 500:
        assert "the platform broke" not in page.text  # a fault's inside is not shown


def test_real_page_errors_answer_pages_not_json(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("dispatcher"))
    for path, status, words in (
        ("/cases/abc", 422, "以下参数的值无效：<code>case_id</code>"),
        ("/work?page=0", 422, "以下参数的值无效：<code>page</code>"),
        ("/no/such/page", 404, "404 · 页面不存在"),
        ("/cases/999999999", 404, "404 · 页面不存在"),
        ("/admin", 403, "403 · 无权访问"),
        ("/logout", 405, "405 · 不支持此操作方式"),
    ):
        r = client.get(path)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert words in r.text and 'action="/logout"' in r.text, path
    # a NUL character in the address is refused before any route runs, on a page all the same
    nul = client.get("/work?q=a%00b")
    assert nul.status_code == 400 and "400 · 请求有误" in nul.text and "空字符" in nul.text
    assert 'action="/logout"' in nul.text
    # a stale CSRF token: the page explains it in the person's language
    client.cookies.set("gridcity_lang", "en")
    forged = client.post("/logout", data={"csrf_token": "0" * 64})
    assert forged.status_code == 403 and "This form has expired" in forged.text


def test_api_and_data_addresses_keep_json(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    headers = login(make_user("dispatcher"))
    for path, status in (
        ("/api/v1/cases/abc", 422),
        ("/api/v1/cases/999999999", 404),
        ("/api/v1/no-such-thing", 404),
        ("/open311/v2/requests/abc.json", 404),
        ("/dashboard/data/nonsense.json", 401),
        ("/api/v1/cases?q=a%00b", 400),  # a page script's data, asked without a session
    ):
        r = client.get(path, headers=headers)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("application/json"), path
        assert "detail" in r.json() or isinstance(r.json(), list), path
    # a script that asks for JSON gets JSON on a page address too
    r = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json() == {"detail": "没有这个地址"}  # a page's language: Chinese
    # the API answers in English unless the caller asks for Chinese
    assert client.get("/api/v1/no-such-thing").json() == {"detail": "Not Found"}
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    assert client.get("/api/v1/no-such-thing", headers=zh).json() == {"detail": "没有这个地址"}
    assert client.delete("/api/v1/auth/token", headers=zh).json() == {"detail": "该地址不支持这种请求方式"}
    invalid = client.get("/api/v1/cases/abc", headers={**headers, **zh}).json()
    assert invalid["detail"] == "请求有误：path.case_id: 应为整数", invalid


def test_sign_in_keeps_next(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case = report(client, login, make_user)
    asked = f"/cases/{case['id']}"
    bounced = client.get(asked, follow_redirects=False)
    assert bounced.status_code == 303 and bounced.headers["location"] == f"/login?next=/cases/{case['id']}"
    # the path and the query both come back
    queue = client.get("/work?queue=file&page=1", follow_redirects=False)
    assert queue.headers["location"] == "/login?next=/work%3Fqueue%3Dfile%26page%3D1"
    form = client.get(bounced.headers["location"])
    assert f'name="next" value="{asked}"' in form.text
    user = make_user("shift_leader")
    wrong = post_login(client, user.username, "nope", next=asked)
    assert wrong.status_code == 401 and f'name="next" value="{asked}"' in wrong.text  # kept for the retry
    done = post_login(client, user.username, "secret-pw", next=asked)
    assert done.status_code == 303 and done.headers["location"] == asked
    landed = client.get(done.headers["location"])
    assert landed.status_code == 200 and case["number"] in landed.text


UNSAFE = [
    "//evil.com",
    "//evil.com/cases/1",
    "https://evil.com",
    "http:/evil.com",
    "javascript:alert(1)",
    "/\\evil.com",
    "/\\/evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/cases/1\r\nSet-Cookie: x=1",
    " /cases/1",
    "cases/1",
    "/login",
    "/" + "a" * 2001,
]


@pytest.mark.parametrize("target", UNSAFE)
def test_sign_in_refuses_a_next_that_leaves_the_site(client, make_user, target) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/login", params={"next": target})
    assert form.status_code == 200 and 'name="next"' not in form.text
    user = make_user("dispatcher")
    done = post_login(client, user.username, "secret-pw", next=target)
    assert done.status_code == 303 and done.headers["location"] == "/"  # the role's own landing page


@pytest.mark.parametrize("lang,words", [("zh", "跳到正文"), ("en", "Skip to content")])
def test_every_layout_starts_with_a_skip_link_to_the_main_region(client, make_user, lang, words) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("gridcity_lang", lang)
    pages = ["/login", "/portal", "/no/such/page"]
    sign_in(client, make_user("admin"))
    pages += ["/work", "/admin", "/admin/users"]  # base.html and the admin layout
    for path in pages:
        html = client.get(path).text
        body = html.split("<body>", 1)[1]
        first = body[: body.index(">") + 1]
        assert first.strip().startswith('<a class="skip-link" href="#main"'), path
        assert words in body.split("</a>", 1)[0] and 'id="main"' in html, path
        assert 'rel="icon" href="/static/favicon.svg"' in html, path


def test_favicon_is_served(client) -> None:  # type: ignore[no-untyped-def]
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
    assert client.get("/favicon.ico", follow_redirects=False).headers["location"] == "/static/favicon.svg"
