"""Sign-in on the pages: the form's CSRF token (login CSRF), the throttle's refusals in the
person's language, and the admin's view of locked sign-ins with the unlock."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.support import post_login
from tests.web.test_pages import csrf_of, sign_in

from gridcity.app import create_app
from gridcity.services import signin_guard
from gridcity.services.platform import Platform


@pytest.fixture
def own_client(platform: Platform) -> Iterator[TestClient]:
    """A browser at an address of its own, so that its failures count for it alone: a /64 of the
    IPv6 documentation prefix drawn from 2^32 (the throttle counts an IPv6 client by its /64; the
    module's tests share one city, and an IPv4 address drawn from 200 met another test's failures
    now and then — a 429 where a sign-in was due)."""
    prefix = uuid.uuid4().int % 2**32
    address = f"2001:db8:{prefix >> 16:x}:{prefix & 0xFFFF:x}::1"
    with TestClient(create_app(platform=platform), client=(address, 1)) as c:
        yield c


def test_the_sign_in_form_carries_a_csrf_token_and_a_post_without_it_is_refused(
    own_client, make_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("dispatcher")
    form = own_client.get("/login")
    token = csrf_of(form.text)
    assert own_client.cookies.get("gridcity_csrf") == token  # the double-submit cookie
    plain = {"username": user.username, "password": "secret-pw"}
    refused = own_client.post("/login", data=plain, follow_redirects=False)
    assert refused.status_code == 403 and "gridcity_session" not in refused.cookies
    forged = own_client.post("/login", data={**plain, "csrf_token": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403
    # another site's page can send the form but cannot read or set the visitor's cookie
    other = TestClient(own_client.app, client=("192.0.2.254", 1))
    assert (
        other.post("/login", data={**plain, "csrf_token": token}, follow_redirects=False).status_code == 403
    )
    done = own_client.post("/login", data={**plain, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.cookies.get("gridcity_session")


@pytest.mark.parametrize(
    "lang,wrong,wait,locked",
    [
        ("zh", "用户名或密码错误", "请 1 秒后再试", "已暂时锁定"),
        ("en", "wrong username or password", "try again in 1 seconds", "it is locked"),
    ],
)
def test_the_throttle_answers_on_the_page_in_the_persons_language_and_never_names_the_account(
    own_client, make_user, clock, lang, wrong, wait, locked
) -> None:  # type: ignore[no-untyped-def]
    own_client.cookies.set("gridcity_lang", lang)
    known = make_user("dispatcher").username
    unknown = f"nobody-{uuid.uuid4().hex[:6]}"
    pages: dict[str, list[tuple[int, str]]] = {}
    for name in (known, unknown):
        seen = []
        for attempt in range(5):
            r = post_login(own_client, name, f"guess-{attempt}")
            message = re.search(r'<p class="error" role="alert">([^<]*)</p>', r.text)
            seen.append((r.status_code, message.group(1) if message else ""))
        pages[name] = seen
    assert pages[known] == pages[unknown]
    assert pages[known][:4] == [(401, wrong)] * 4 and pages[known][4][0] == 429
    assert wait in pages[known][4][1]
    for attempt in range(10):
        clock.advance(seconds=61)
        post_login(own_client, known, f"more-{attempt}")
    r = post_login(own_client, known, "secret-pw")
    assert r.status_code == 429 and locked in r.text and r.headers["Retry-After"]


def test_an_admin_sees_the_lock_on_the_users_page_and_lifts_it_with_a_reason(
    client, own_client, make_user, platform, db
) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("operator")
    for _ in range(platform.settings.signin_lock_after):
        signin_guard.failed(platform, db, worker.username, "192.0.2.99", worker.id)
    assert post_login(own_client, worker.username, "secret-pw").status_code == 429

    sign_in(client, make_user("admin", "110101"))
    listed = client.get("/admin/users")
    section = listed.text.split('id="signin-locks"', 1)[1]
    assert "登录锁定" in section and worker.username in section and "192.0.2.99" in section
    page = client.get(f"/admin/users/{worker.id}")
    assert 'id="signin-lock"' in page.text and "锁定至" in page.text
    token = csrf_of(page.text)
    form = {"csrf_token": token, "username": worker.username, "back": str(worker.id)}
    no_reason = client.post("/admin/users/unlock", data=form)
    assert no_reason.status_code == 422 and "请填写解锁原因" in no_reason.text
    done = client.post("/admin/users/unlock", data={**form, "reason": "本人来电"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/admin/users/{worker.id}?done=unlocked"
    after = client.get(done.headers["location"]).text
    assert "已解锁" in after and 'id="signin-lock"' not in after and "本人来电" in after
    assert post_login(own_client, worker.username, "secret-pw").status_code == 303


def test_the_add_user_form_states_the_password_rule(client, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("admin", "110101"))
    page = client.get("/admin/users").text
    assert 'minlength="10"' in page and "至少 10 个字符；不能是常见密码，也不能包含用户名" in page
