"""A refusal through the API speaks the client's language ([8]): Chinese when Accept-Language asks
for it, English otherwise, with the catalogue code either way."""

from __future__ import annotations

DONGHUAMEN = (116.4040, 39.9140)
GARBAGE = {"class_code": "06010", "kind": "event", "standard": "GB/T 47678.5-2026"}


def test_a_stale_action_is_refused_in_the_clients_language(client, make_user, login) -> None:  # type: ignore[no-untyped-def]
    reporter = login(make_user("supervisor"))
    body = {**GARBAGE, "lon": DONGHUAMEN[0], "lat": DONGHUAMEN[1], "description": "暴露垃圾"}
    case = client.post("/api/v1/cases", json=body, headers=reporter).json()
    leader = login(make_user("shift_leader"))
    url = f"/api/v1/cases/{case['id']}/actions"
    done = client.post(url, json={"action": "file", "version": case["version"]}, headers=leader)
    assert done.status_code == 200
    stale = {"action": "file", "version": case["version"]}
    chinese = client.post(url, json=stale, headers={**leader, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert chinese.status_code == 409 and chinese.json()["code"] == "case.changed"
    assert "在您打开后已被他人处理" in chinese.json()["detail"]
    english = client.post(url, json=stale, headers=leader)
    assert english.status_code == 409 and english.json()["code"] == "case.changed"
    assert "changed since you loaded it" in english.json()["detail"]
    missing = client.get("/api/v1/cases/99999999", headers={**leader, "Accept-Language": "zh"})
    assert missing.status_code == 404 and missing.json()["detail"] == "找不到案件 99999999"
