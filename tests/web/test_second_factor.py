"""The second factor of staff ([9]): TOTP set up from the secret the page shows, the sign-in's second
step on the pages and the token endpoint, replay and wrong codes refused, recovery codes single-use,
enforcement per role by the city's setting, an admin's reset — on both databases, with real codes
computed by pyotp from the secret as an authenticator app would."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from sqlalchemy import select
from tests.support import post_login
from tests.web.test_pages import csrf_of

from gridcity.config import Settings
from gridcity.db.models import SecondFactorEvent, UserSecondFactor
from gridcity.domain.workflow import Role
from gridcity.services import second_factor
from gridcity.services.registry import personal_crypto
from gridcity.web.second_factor import PENDING_COOKIE

SESSION = "gridcity_session"


def _secret_on(html: str) -> str:
    found = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', html)
    assert found, "the page shows no key"
    return found.group(1).replace(" ", "")


def _codes_on(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code></li>", html)


def _sign_in_password(client: Any, user: Any) -> Any:
    client.cookies.clear()
    return post_login(client, user.username, "secret-pw")


def enrol(client: Any, user: Any, clock: Any) -> tuple[str, list[str]]:
    """Set up a second factor on the security page as the person would; its key and recovery codes."""
    r = _sign_in_password(client, user)
    assert r.status_code == 303, r.text
    page = client.get("/account/security")
    assert page.status_code == 200
    secret = _secret_on(page.text)
    assert 'role="img"' in page.text and "<svg" in page.text  # the QR code, drawn on the server
    done = client.post(
        "/account/security/enrol",
        data={"code": pyotp.TOTP(secret).at(clock()), "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200, done.text
    codes = _codes_on(done.text)
    assert len(codes) == second_factor.RECOVERY_CODES and len(set(codes)) == len(codes)
    client.cookies.clear()
    clock.advance(seconds=30)  # the next step: the code used to confirm is spent
    return secret, codes


def _anonymous_csrf(client: Any) -> str:
    """The double-submit token the sign-in pages gave this browser (web.session)."""
    return next(c.value for c in client.cookies.jar if c.name == "gridcity_csrf")


def _second_step(client: Any, code: str) -> Any:
    return client.post(
        "/login/second-factor",
        data={"code": code, "csrf_token": _anonymous_csrf(client)},
        follow_redirects=False,
    )


def test_set_up_then_sign_in_on_the_pages_with_a_code(client, platform, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user("dispatcher")
    secret, _ = enrol(client, user, clock)

    first = _sign_in_password(client, user)
    assert first.status_code == 200 and "/login/second-factor" in first.text
    assert SESSION not in first.cookies and PENDING_COOKIE in first.cookies  # no session before the code
    assert client.get("/work", follow_redirects=False).status_code == 303  # not signed in yet

    wrong = _second_step(client, "000000" if pyotp.TOTP(secret).at(clock()) != "000000" else "111111")
    assert wrong.status_code == 401 and "验证码错误或已过期" in wrong.text and SESSION not in wrong.cookies
    assert _second_step(client, "").status_code == 401

    code = pyotp.TOTP(secret).at(clock())
    right = _second_step(client, code)
    assert right.status_code == 303 and SESSION in right.cookies
    assert client.get("/work").status_code == 200

    _sign_in_password(client, user)  # the same code again, within its 30 seconds: refused
    again = _second_step(client, code)
    assert again.status_code == 401 and "已使用过" in again.text
    clock.advance(seconds=30)
    assert _second_step(client, pyotp.TOTP(secret).at(clock())).status_code == 303


def test_the_pending_sign_in_expires_and_cannot_be_forged(client, platform, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user("operator")
    secret, _ = enrol(client, user, clock)
    _sign_in_password(client, user)
    pending = client.cookies.get(PENDING_COOKIE)
    csrf = _anonymous_csrf(client)

    def hold(value: str) -> None:
        client.cookies.clear()
        client.cookies.set("gridcity_csrf", csrf)
        client.cookies.set(PENDING_COOKIE, value)

    hold(pending.replace(f".{user.id}.", f".{user.id + 1}."))  # another user's id, the same MAC
    forged = _second_step(client, pyotp.TOTP(secret).at(clock()))
    assert forged.status_code == 401 and "登录已超时" in forged.text
    hold(pending)
    right = pyotp.TOTP(secret).at(clock())
    accepted = _second_step(
        client, f"{(int(right) + 1) % 1_000_000:06d}"
    )  # the cookie holds; the code is wrong
    assert accepted.status_code == 401 and "验证码错误" in accepted.text
    clock.advance(minutes=6)
    late = _second_step(client, pyotp.TOTP(secret).at(clock()))
    assert late.status_code == 401 and "登录已超时" in late.text and SESSION not in late.cookies


def test_the_token_endpoint_takes_the_code_in_otp(client, platform, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user("shift_leader")
    secret, codes = enrol(client, user, clock)
    form = {"username": user.username, "password": "secret-pw"}

    missing = client.post("/api/v1/auth/token", data=form)
    assert missing.status_code == 401 and missing.json()["code"] == "totp.code_required_api"
    assert "otp" in missing.json()["detail"]
    assert client.post("/api/v1/auth/token", data={**form, "otp": "12345x"}).status_code == 401
    code = pyotp.TOTP(secret).at(clock())
    ok = client.post("/api/v1/auth/token", data={**form, "otp": code})
    assert ok.status_code == 200 and ok.json()["access_token"]
    replay = client.post("/api/v1/auth/token", data={**form, "otp": code})
    assert replay.status_code == 401 and replay.json()["code"] == "totp.code_used"

    # a recovery code works once, typed as printed or in capitals without the dashes
    assert (
        client.post("/api/v1/auth/token", data={**form, "otp": codes[0].upper().replace("-", "")}).status_code
        == 200
    )
    used = client.post("/api/v1/auth/token", data={**form, "otp": codes[0]})
    assert used.status_code == 401 and used.json()["code"] == "totp.wrong_code"
    with platform.sessions() as db:
        assert second_factor.state(platform.settings, db, user.id, user.role).recovery_left == 9
        events = db.scalars(select(SecondFactorEvent.event).where(SecondFactorEvent.user_id == user.id)).all()
    assert set(events) == {"enrolled", "recovery_used"}


def test_a_recovery_code_signs_in_once_on_the_pages(client, platform, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user("leader")
    _, codes = enrol(client, user, clock)
    _sign_in_password(client, user)
    used = _second_step(client, codes[3])
    assert used.status_code == 303 and used.headers["location"] == "/account/security?recovery_used=1"
    page = client.get(used.headers["location"])
    assert "恢复码登录" in page.text and re.search(r"剩余恢复码</dt><dd>9<", page.text)
    _sign_in_password(client, user)
    assert _second_step(client, codes[3]).status_code == 401


def test_wrong_codes_in_a_row_lock_the_second_step_for_a_while(client, platform, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user("operator")
    secret, _ = enrol(client, user, clock)
    form = {"username": user.username, "password": "secret-pw"}
    right = pyotp.TOTP(secret).at(clock())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(second_factor.MAX_WRONG_CODES):
        assert client.post("/api/v1/auth/token", data={**form, "otp": wrong}).status_code == 401
    locked = client.post("/api/v1/auth/token", data={**form, "otp": right})
    assert locked.status_code == 401 and locked.json()["code"] == "totp.locked"
    clock.advance(minutes=second_factor.LOCK_MINUTES)
    assert (
        client.post("/api/v1/auth/token", data={**form, "otp": pyotp.TOTP(secret).at(clock())}).status_code
        == 200
    )


def test_the_secret_is_encrypted_at_rest(client, platform, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user("supervisor")
    secret, _ = enrol(client, user, clock)
    with platform.sessions() as db:
        row = db.get(UserSecondFactor, user.id)
        assert secret.encode() not in bytes(row.secret_enc)
        crypt = personal_crypto.cipher(platform.settings)
        assert crypt.decrypt(row.secret_enc, f"user_second_factors.secret:{user.id}") == secret
        with pytest.raises(personal_crypto.PersonalDataKeyError):  # bound to its user
            crypt.decrypt(row.secret_enc, f"user_second_factors.secret:{user.id + 1}")


# --- enforcement --------------------------------------------------------------------------------


def test_the_default_roles_follow_who_may_reveal_personal_data() -> None:
    def settings(**given: Any) -> Settings:
        return Settings(_env_file=None, **given)  # type: ignore[call-arg]

    staff = {r.value for r in Role} - {"citizen"}  # every staff role may reveal a case's contact
    assert second_factor.default_roles() == staff
    assert second_factor.enforced_roles(settings(production=True)) == staff
    assert second_factor.enforced_roles(settings()) == frozenset()  # development, `gridcity demo`
    assert second_factor.enforced_roles(settings(production=True, demo=True)) == frozenset()
    assert second_factor.enforced_roles(settings(second_factor_roles=["admin"])) == {"admin"}
    assert second_factor.enforced_roles(settings(production=True, second_factor_roles=[])) == frozenset()
    with pytest.raises(ValueError, match="GRIDCITY_SECOND_FACTOR_ROLES"):
        settings(second_factor_roles=["boss"])


@pytest.fixture
def enforce(platform, monkeypatch):  # type: ignore[no-untyped-def]
    def roles(*names: str) -> None:
        monkeypatch.setattr(platform.settings, "second_factor_roles", list(names))

    return roles


def test_an_enforced_role_sets_up_a_second_factor_before_any_page(
    client, platform, make_user, clock, enforce
) -> None:  # type: ignore[no-untyped-def]
    enforce("police", "admin")
    user, free = make_user("police"), make_user("supervisor")

    refused = client.post("/api/v1/auth/token", data={"username": user.username, "password": "secret-pw"})
    assert refused.status_code == 403 and refused.json()["code"] == "totp.enrol_on_pages"
    assert "/account/security" not in refused.text and "pages" in refused.json()["detail"]
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": free.username, "password": "secret-pw"}
        ).status_code
        == 200
    )

    first = _sign_in_password(client, user)
    assert first.status_code == 200 and "/login/enrol" in first.text and SESSION not in first.cookies
    assert client.get("/police", follow_redirects=False).status_code == 303  # no page before it is set up
    secret = _secret_on(first.text)
    again = _sign_in_password(client, user)  # the key shown does not change until confirmed
    assert _secret_on(again.text) == secret
    wrong = client.post("/login/enrol", data={"code": "abc", "csrf_token": _anonymous_csrf(client)})
    assert wrong.status_code == 422 and _secret_on(wrong.text) == secret and SESSION not in wrong.cookies
    done = client.post(
        "/login/enrol",
        data={"code": pyotp.TOTP(secret).at(clock()), "csrf_token": _anonymous_csrf(client)},
    )
    assert done.status_code == 200 and len(_codes_on(done.text)) == 10 and SESSION in done.cookies
    assert client.get("/police").status_code == 200

    # the role must keep it: no "turn off" on the page, and a request made by hand is refused
    page = client.get("/account/security")
    assert "/account/security/off" not in page.text
    clock.advance(seconds=30)
    off = client.post(
        "/account/security/off",
        data={"code": pyotp.TOTP(secret).at(clock()), "csrf_token": csrf_of(page.text)},
    )
    assert off.status_code == 403 and "不能关闭" in off.text


def test_a_factor_not_required_can_be_renewed_and_turned_off(client, platform, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user("handler")
    secret, old = enrol(client, user, clock)
    _sign_in_password(client, user)
    _second_step(client, pyotp.TOTP(secret).at(clock()))
    clock.advance(seconds=30)
    page = client.get("/account/security")
    renewed = client.post(
        "/account/security/recovery-codes",
        data={"code": pyotp.TOTP(secret).at(clock()), "csrf_token": csrf_of(page.text)},
    )
    new = _codes_on(renewed.text)
    assert len(new) == 10 and not set(new) & set(old)
    form = {"username": user.username, "password": "secret-pw"}
    assert client.post("/api/v1/auth/token", data={**form, "otp": old[0]}).status_code == 401
    clock.advance(seconds=30)
    off = client.post(
        "/account/security/off",
        data={"code": pyotp.TOTP(secret).at(clock()), "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert off.status_code == 303
    assert client.post("/api/v1/auth/token", data=form).status_code == 200  # the password alone again


# --- an admin's reset ---------------------------------------------------------------------------------


def test_an_admin_resets_a_lost_second_factor(client, platform, make_user, clock, login) -> None:  # type: ignore[no-untyped-def]
    user, admin = make_user("grid_worker"), make_user("admin")
    secret, _ = enrol(client, user, clock)
    token = client.post(
        "/api/v1/auth/token",
        data={"username": user.username, "password": "secret-pw", "otp": pyotp.TOTP(secret).at(clock())},
    ).json()["access_token"]

    _sign_in_password(client, admin)
    page = client.get(f"/admin/users/{user.id}")
    assert "second-factor/reset" in page.text and "已启用" in page.text
    r = client.post(
        f"/admin/users/{user.id}/second-factor/reset",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "已重置双因素认证" in client.get(r.headers["location"]).text
    # their sessions ended; the password alone signs in (their role is not enforced here)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": user.username, "password": "secret-pw"}
        ).status_code
        == 200
    )
    with platform.sessions() as db:
        audit = db.scalars(
            select(SecondFactorEvent).where(
                SecondFactorEvent.user_id == user.id, SecondFactorEvent.event == "reset"
            )
        ).one()
        assert (audit.actor_id, audit.actor_name) == (admin.id, admin.username)

    other = make_user("admin", "110102")  # 西城区's admin: not theirs to reset
    _sign_in_password(client, other)
    page = client.get("/account/security")
    refused = client.post(
        f"/admin/users/{user.id}/second-factor/reset", data={"csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 403


def test_the_command_line_resets_a_second_factor(client, platform, make_user, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from gridcity.cli import app

    user = make_user("dispatcher")
    enrol(client, user, clock)
    monkeypatch.setenv("GRIDCITY_DATABASE_URL", platform.settings.effective_database_url)
    monkeypatch.setenv("GRIDCITY_DATA_DIR", str(platform.settings.data_dir))
    result = CliRunner().invoke(app, ["users", "reset-2fa", user.username])
    assert result.exit_code == 0, result.output
    with platform.sessions() as db:
        assert db.get(UserSecondFactor, user.id) is None
        reset = select(SecondFactorEvent.actor_name).where(
            SecondFactorEvent.user_id == user.id, SecondFactorEvent.event == "reset"
        )
        assert db.scalars(reset).all() == ["command line"]
    unknown = CliRunner().invoke(app, ["users", "reset-2fa", "nobody-here"])
    assert unknown.exit_code == 1 and "no user 'nobody-here'" in unknown.output
