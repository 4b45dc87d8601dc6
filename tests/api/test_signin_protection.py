"""Sign-in protection as an attacker and an admin meet it (services.signin_guard, services.signin):
growing delays and the lock after too many failures, per username and per address, the same
answers for usernames that exist and ones that do not, the admin's unlock and its audit, argon2
checks counted and bounded. Each test signs in from an address of its own (the TestClient's peer),
so that the address counters of one test never meet another's."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gridcity.app import create_app
from gridcity.db.engine import unit_of_work
from gridcity.services import security, users
from gridcity.services.platform import Platform
from gridcity.services.security import PasswordSlots

TOKEN = "/api/v1/auth/token"
_addresses = itertools.count(1)


@pytest.fixture
def client_from(platform: Platform) -> Iterator[Callable[[str | None], TestClient]]:
    """client_from(address) → a client whose requests come from that address (a new one by default)."""
    app = create_app(platform=platform)
    opened: list[TestClient] = []

    def make(address: str | None = None) -> TestClient:
        client = TestClient(app, client=(address or f"198.51.100.{next(_addresses) % 240 + 1}", 40000))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def sign_in(client: TestClient, username: str, password: str, **headers: str) -> Any:
    return client.post(TOKEN, data={"username": username, "password": password}, headers=headers)


def test_thirty_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(
    client_from, make_user, clock, login
) -> None:  # type: ignore[no-untyped-def]
    client = client_from("198.51.100.250")
    victim = make_user("dispatcher")
    answers = []
    for attempt in range(30):
        if attempt < 10:
            clock.advance(seconds=61)  # past any delay: ten real guesses
        answers.append(sign_in(client, victim.username, f"guess-{attempt}"))
    assert [r.status_code for r in answers[:10]] == [401] * 10
    assert all(r.status_code == 429 and r.json()["code"] == "signin.locked" for r in answers[10:])
    # the right password does not get through the lock either
    right = sign_in(client, victim.username, "secret-pw")
    assert right.status_code == 429 and right.json()["code"] == "signin.locked"
    assert 0 < int(right.headers["Retry-After"]) <= 15 * 60
    assert "locked" in right.json()["detail"] and "15 minutes" in right.json()["detail"]

    admin = login(make_user("admin", "110101"))
    seen = client.get("/api/v1/auth/locks", headers=admin).json()
    assert victim.username in [lock["username"] for lock in seen["locks"]]
    (locked,) = [e for e in seen["events"] if e["username"] == victim.username]
    assert locked["action"] == "lock" and locked["by"] == "system" and locked["failures"] == 10
    assert locked["address"] == "198.51.100.250"

    body = {"username": victim.username, "reason": "本人电话确认，忘记密码"}
    unlocked = client.post("/api/v1/auth/locks/unlock", json=body, headers=admin)
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["action"] == "unlock" and unlocked.json()["reason"] == "本人电话确认，忘记密码"
    assert sign_in(client, victim.username, "secret-pw").status_code == 200
    history = client.get("/api/v1/auth/locks", headers=admin).json()
    assert victim.username not in [lock["username"] for lock in history["locks"]]
    mine = [(e["action"], e["by"]) for e in history["events"] if e["username"] == victim.username]
    assert mine[0][0] == "unlock" and mine[0][1].startswith("admin-") and mine[1] == ("lock", "system")
    again = client.post("/api/v1/auth/locks/unlock", json=body, headers=admin)
    assert again.status_code == 404 and again.json()["code"] == "signin.not_locked"


def test_a_lock_runs_out_by_itself(client_from, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    client = client_from(None)
    user = make_user("operator")
    for attempt in range(10):
        clock.advance(seconds=61)
        assert sign_in(client, user.username, f"wrong-{attempt}").status_code == 401
    assert sign_in(client, user.username, "secret-pw").status_code == 429
    clock.advance(minutes=14, seconds=50)
    assert sign_in(client, user.username, "secret-pw").status_code == 429  # not yet
    clock.advance(seconds=11)
    assert sign_in(client, user.username, "secret-pw").status_code == 200


def test_delays_grow_and_a_refusal_says_how_long_without_checking_the_password(
    client_from, make_user, clock
) -> None:  # type: ignore[no-untyped-def]
    client = client_from(None)
    user = make_user("operator")
    for attempt in range(3):  # the free failures
        assert sign_in(client, user.username, f"wrong-{attempt}").status_code == 401
    waits = []
    for attempt in range(4):
        assert sign_in(client, user.username, f"again-{attempt}").status_code == 401
        refused = sign_in(client, user.username, "secret-pw")  # the right one, too soon
        assert refused.status_code == 429 and refused.json()["code"] == "signin.wait"
        waits.append(int(refused.headers["Retry-After"]))
        assert f"try again in {waits[-1]} seconds" in refused.json()["detail"]
        clock.advance(seconds=waits[-1])
    assert waits == [1, 2, 4, 8]
    zh = sign_in(client, user.username, "wrong", **{"Accept-Language": "zh"})
    assert zh.status_code == 401
    refused = sign_in(client, user.username, "wrong", **{"Accept-Language": "zh"})
    assert refused.json()["detail"] == "登录失败次数较多，请 16 秒后再试"
    clock.advance(seconds=16)
    assert sign_in(client, user.username, "secret-pw").status_code == 200  # and the count starts again
    assert sign_in(client, user.username, "wrong").status_code == 401
    assert sign_in(client, user.username, "wrong").status_code == 401


def test_an_unknown_username_gets_exactly_the_answers_of_a_known_one(
    client_from, make_user, clock, db
) -> None:  # type: ignore[no-untyped-def]
    known = make_user("dispatcher").username
    inactive = make_user("dispatcher")
    users.set_active(db, make_user("admin", "110000"), inactive.id, False)
    unknown = f"nobody-{uuid.uuid4().hex[:6]}"
    transcripts = {}
    for name in (known, inactive.username, unknown):
        client = client_from(None)
        start = clock.t
        seen = []
        for attempt in range(14):
            clock.advance(seconds=5)
            r = sign_in(client, name, f"guess-{attempt}")
            seen.append((r.status_code, r.json(), r.headers.get("Retry-After")))
        transcripts[name] = seen
        clock.set(start)
    assert transcripts[known] == transcripts[unknown] == transcripts[inactive.username]
    assert {status for status, _, _ in transcripts[known]} == {401, 429}


def test_the_address_limit_counts_failures_across_usernames(client_from, make_user) -> None:  # type: ignore[no-untyped-def]
    guesser = client_from("203.0.113.7")
    for _ in range(21):  # one guess each at 21 usernames (20 free failures, one more): none is delayed
        assert sign_in(guesser, f"guess-{uuid.uuid4().hex[:8]}", "123456").status_code == 401
    user = make_user("operator")
    refused = sign_in(guesser, user.username, "secret-pw")
    assert refused.status_code == 429 and refused.json()["code"] == "signin.wait"
    # the same person from another address is not held up
    assert sign_in(client_from("203.0.113.8"), user.username, "secret-pw").status_code == 200
    # an IPv6 guesser is held by its /64, whichever address of it it takes
    first = client_from("2001:db8:1:2::1")
    for _ in range(21):
        assert sign_in(first, f"guess-{uuid.uuid4().hex[:8]}", "123456").status_code == 401
    assert sign_in(client_from("2001:db8:1:2::ffff"), user.username, "secret-pw").status_code == 429
    assert sign_in(client_from("2001:db8:1:3::1"), user.username, "secret-pw").status_code == 200


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every argon2 verification the platform makes, counted through the real hasher."""
    calls: list[str] = []
    real = security._hasher

    class Counting(type(real)):  # type: ignore[misc]
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            calls.append("verify")
            return real.verify(hash, password)

    counting = Counting.from_parameters(real._parameters)
    monkeypatch.setattr(security, "_hasher", counting)
    yield calls


def test_every_sign_in_costs_one_argon2_check_whether_the_user_exists_or_not(
    client_from, make_user, db, argon2_checks
) -> None:  # type: ignore[no-untyped-def]
    client = client_from(None)
    known = make_user("operator")
    inactive = make_user("operator")
    users.set_active(db, make_user("admin", "110000"), inactive.id, False)
    for username, password, status in (
        (f"nobody-{uuid.uuid4().hex[:6]}", "whatever-1", 401),
        (inactive.username, "secret-pw", 401),  # the right password of a deactivated account
        (known.username, "not-it", 401),
        (known.username, "secret-pw", 200),
    ):
        before = len(argon2_checks)
        assert sign_in(client, username, password).status_code == status
        assert len(argon2_checks) - before == 1, username


def test_a_sign_in_that_finds_every_argon2_slot_busy_gets_a_quick_503(
    client_from, make_user, platform
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("operator")
    client = client_from(None)
    real = platform.password_slots
    platform.password_slots = PasswordSlots(1, wait_s=0.05)
    try:
        with platform.password_slots:  # somebody else's check holds the only slot
            busy = sign_in(client, user.username, "secret-pw")
        assert busy.status_code == 503 and busy.json()["code"] == "signin.busy"
        assert busy.headers["Retry-After"] == "1"
        assert sign_in(client, user.username, "secret-pw").status_code == 200  # the slot is free again
    finally:
        platform.password_slots = real


def test_argon2_checks_never_run_more_at_once_than_the_slots_across_the_thread_pool(
    client_from, make_user, platform, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("operator")
    inside, most = 0, 0
    lock = threading.Lock()
    release = threading.Event()
    real = security._hasher

    class Watching(type(real)):  # type: ignore[misc]
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            nonlocal inside, most
            with lock:
                inside += 1
                most = max(most, inside)
            release.wait(5)  # hold the slot until every request has been sent
            try:
                return real.verify(hash, password)
            finally:
                with lock:
                    inside -= 1

    monkeypatch.setattr(security, "_hasher", Watching.from_parameters(real._parameters))
    monkeypatch.setattr(platform, "password_slots", PasswordSlots(2, wait_s=10))
    client = client_from(None)
    answers: list[int] = []

    def one() -> None:
        answers.append(sign_in(client, user.username, "secret-pw").status_code)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    while True:  # until two checks run and the other four wait for a slot
        with lock:
            if inside == 2:
                break
    release.set()
    for t in threads:
        t.join(30)
    assert answers == [200] * 6 and most == 2


def test_a_district_admin_sees_and_unlocks_only_the_accounts_of_the_district(
    client_from, make_user, login, platform, db
) -> None:  # type: ignore[no-untyped-def]
    from gridcity.services import signin_guard

    client = client_from(None)
    theirs = make_user("operator", "110101")
    other = make_user("operator", "110102")
    ghost = f"ghost-{uuid.uuid4().hex[:6]}"
    for name, user_id in ((theirs.username, theirs.id), (other.username, other.id), (ghost, None)):
        for _ in range(platform.settings.signin_lock_after):
            signin_guard.failed(platform, db, name, "192.0.2.1", user_id)
    district = login(make_user("admin", "110101"))
    seen = {lock["username"] for lock in client.get("/api/v1/auth/locks", headers=district).json()["locks"]}
    assert theirs.username in seen and other.username not in seen and ghost not in seen
    body = {"username": other.username, "reason": "x"}
    refused = client.post("/api/v1/auth/locks/unlock", json=body, headers=district)
    assert refused.status_code == 403 and refused.json()["code"] == "signin.lock_outside_area"
    city = login(make_user("admin", "110000"))
    seen = {lock["username"] for lock in client.get("/api/v1/auth/locks", headers=city).json()["locks"]}
    assert {theirs.username, other.username, ghost} <= seen
    assert (
        client.post("/api/v1/auth/locks/unlock", json={**body, "username": ghost}, headers=city).status_code
        == 200
    )
    # nobody else may look
    assert client.get("/api/v1/auth/locks", headers=login(make_user("dispatcher"))).status_code == 403


def test_the_lock_log_is_append_only(platform, db, make_user) -> None:  # type: ignore[no-untyped-def]
    from gridcity.services import signin_guard

    user = make_user("operator")
    for _ in range(platform.settings.signin_lock_after):
        signin_guard.failed(platform, db, user.username, "192.0.2.2", user.id)
    for statement in (
        "UPDATE signin_lock_events SET reason = 'nothing happened' WHERE username = :u",
        "DELETE FROM signin_lock_events WHERE username = :u",
    ):
        with pytest.raises(DBAPIError), unit_of_work(db):
            db.execute(text(statement), {"u": user.username})
