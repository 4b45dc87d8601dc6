"""The services' refusals through the API speak the client's language ([8]): Chinese when the client's
Accept-Language asks for it, English otherwise — a registry, a user, a webhook and an Open311 refusal,
each with its catalogue code."""

from __future__ import annotations

from typing import Any

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_a_registry_refusal_in_chinese_and_english(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    supervisor = login(make_user("supervisor"))
    chinese = client.get("/api/v1/registry/residents", headers={**supervisor, **ZH})
    assert chinese.status_code == 403 and chinese.json()["code"] == "registry.residents_hidden"
    assert chinese.json()["detail"] == "居民信息仅管理员、领导、网格员和治安网格员可以查看"
    english = client.get("/api/v1/registry/residents", headers=supervisor)
    assert english.status_code == 403 and english.json()["code"] == "registry.residents_hidden"
    assert english.json()["detail"].startswith("residents are seen by admins, leaders")
    # a noun inside a refusal speaks the same language as the refusal
    admin = login(make_user("admin"))
    gone = client.get("/api/v1/registry/places/999999999", headers={**admin, **ZH})
    assert gone.status_code == 404 and gone.json()["detail"] == "找不到地点 999999999"
    assert (
        client.get("/api/v1/registry/places/999999999", headers=admin).json()["detail"]
        == "no place 999999999"
    )


def test_a_sign_in_refusal_in_chinese_tells_no_more_than_in_english(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("operator")

    def sign_in(username: str, password: str, headers: dict[str, str]) -> Any:
        return client.post(
            "/api/v1/auth/token", data={"username": username, "password": password}, headers=headers
        )

    wrong_password = sign_in(user.username, "not-the-password", ZH)
    unknown_user = sign_in("nobody-at-all", "not-the-password", ZH)
    for r in (wrong_password, unknown_user):
        assert r.status_code == 401 and r.json()["detail"] == "用户名或密码错误"
    assert wrong_password.json() == unknown_user.json()  # who exists is not told
    english = sign_in("nobody-at-all", "x", {})
    assert english.status_code == 401 and english.json()["detail"] == "wrong username or password"


def test_a_webhook_refusal_in_chinese(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "district-feed", "url": "https://example.org/hook", "events": ["case.filed"]}
    district_admin = login(make_user("admin", "110101"))
    r = client.post("/api/v1/webhooks/subscriptions", json=body, headers={**district_admin, **ZH})
    assert r.status_code == 403 and r.json()["code"] == "access.city_admin_only"
    assert r.json()["detail"] == "只有市级管理员可以管理 Webhook 订阅"
    english = client.post("/api/v1/webhooks/subscriptions", json=body, headers=district_admin)
    assert english.json()["detail"] == "only an admin of the city platform manages webhook subscriptions"
    city_admin = login(make_user("admin", "110000"))
    bad = {**body, "name": "-not a name-"}
    r = client.post("/api/v1/webhooks/subscriptions", json=bad, headers={**city_admin, **ZH})
    assert r.status_code == 422 and r.json()["code"] == "webhook.bad_name"
    assert r.json()["detail"].startswith("'-not a name-' 不是有效的订阅名称")


def test_an_open311_refusal_in_the_clients_language(client) -> None:  # type: ignore[no-untyped-def]
    data = {"service_code": "06010", "lat": "39.9207", "long": "116.4053", "description": "垃圾"}
    chinese = client.post("/open311/v2/requests.json", data=data, headers=ZH)
    assert chinese.status_code == 403
    assert chinese.json() == [{"code": 403, "description": "需要 api_key：请向平台管理员申请"}]
    english = client.post("/open311/v2/requests.json", data=data)
    assert english.json()[0]["description"].startswith("an api_key is required")
