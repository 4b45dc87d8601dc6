"""Photo evidence rules (domain.evidence) and the class setting that names the actions needing a photo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridcity.domain.errors import Invalid
from gridcity.domain.evidence import FAR_M, check_photo, require_photos
from gridcity.domain.messages import speaking
from gridcity.domain.taxonomy import DEFAULT_PHOTO_REQUIRED, PHOTO_ACTIONS, load_default_catalogue
from gridcity.domain.workflow import TRANSITIONS, CaseAction

REPORTED = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
POINT = (116.4040, 39.9140)
M_PER_DEG_LAT = 111_195.08


def test_the_actions_that_may_require_a_photo_are_those_that_carry_photos() -> None:
    carrying = {t.action.value for t in TRANSITIONS.values() if "attachments" in t.fields}
    assert set(PHOTO_ACTIONS) == carrying - {CaseAction.COMMENT.value}
    assert set(DEFAULT_PHOTO_REQUIRED) == {
        "verify_ok",
        "verify_false",
        "check_pass",
        "check_fail",
        "report_done",
    }


def test_refusal_names_the_action_in_chinese_and_a_pdf_is_not_a_photo() -> None:
    with pytest.raises(Invalid) as refused:
        require_photos(DEFAULT_PHOTO_REQUIRED, "check_pass", "核查通过", [])
    with speaking("zh"):
        assert refused.value.message == "核查通过需要至少一张现场照片：请拍摄或上传照片后再提交"
    assert refused.value.message.startswith("check_pass (核查通过) needs at least one photo")
    assert refused.value.status_code == 422
    with pytest.raises(Invalid):
        require_photos(DEFAULT_PHOTO_REQUIRED, "report_done", "处置反馈", ["application/pdf"])
    require_photos(DEFAULT_PHOTO_REQUIRED, "report_done", "处置反馈", ["application/pdf", "image/jpeg"])
    require_photos(DEFAULT_PHOTO_REQUIRED, "self_handle", "自行处置", [])  # not required by default
    require_photos((), "verify_ok", "核实属实", [])  # a class that requires none


def _north(metres: float) -> tuple[float, float]:
    return POINT[0], POINT[1] + metres / M_PER_DEG_LAT


def test_a_photo_is_flagged_when_taken_before_the_report_or_beyond_200_m() -> None:
    def check(taken: datetime | None, metres: float | None, with_report: bool = False):  # type: ignore[no-untyped-def]
        lon, lat = _north(metres) if metres is not None else (None, None)
        return check_photo(
            taken,
            lon,
            lat,
            case_lon=POINT[0],
            case_lat=POINT[1],
            reported_at=REPORTED,
            with_report=with_report,
        )

    fine = check(REPORTED + timedelta(hours=2), 35)
    assert (fine.distance_m, fine.flags, fine.has_facts) == (35, (), True)
    assert check(REPORTED + timedelta(hours=2), FAR_M).flags == ()  # 200 m is still at the scene
    far = check(REPORTED + timedelta(hours=2), 350)
    assert far.flags == ("far",) and far.flag_labels_zh() == ["距案件位置 350 米"]
    stale = check(REPORTED - timedelta(minutes=1), 10)
    assert stale.flags == ("before_report",) and stale.flag_labels_zh() == ["拍摄于上报之前"]
    assert check(REPORTED - timedelta(days=3), 900).flags == ("before_report", "far")
    # the report's own photo is taken before it is sent: not judged by the report time
    assert check(REPORTED - timedelta(minutes=2), 10, with_report=True).flags == ()
    nothing = check(None, None)
    assert (nothing.distance_m, nothing.flags, nothing.has_facts) == (None, (), False)


def test_the_class_setting_is_validated_and_an_override_turns_the_requirement_off() -> None:
    garbage = load_default_catalogue().get("GB/T 47678.5-2026", "06010", "event")
    assert garbage.photo_required == DEFAULT_PHOTO_REQUIRED
    catalogue = load_default_catalogue(
        (
            "city.toml",
            '[[class]]\nstandard = "GB/T 47678.5-2026"\nkind = "event"\ncode = "06010"\n'
            'photo_required = ["self_handle", "report_done", "report_done"]\n',
        )
    )
    changed = catalogue.get("GB/T 47678.5-2026", "06010", "event")
    assert changed.photo_required == ("report_done", "self_handle")  # the table's order, each once
    off = catalogue.apply_patch(changed, {"photo_required": []})
    assert off.photo_required == ()
    with pytest.raises(Invalid, match="'close' cannot require a photo"):
        catalogue.apply_patch(changed, {"photo_required": ["close"]})
    with pytest.raises(Invalid, match="must be a list of actions"):
        catalogue.apply_patch(changed, {"photo_required": "verify_ok"})
