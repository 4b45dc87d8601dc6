"""The pages' words in Chinese (first) and English. Templates call t("key"). The words every page
uses are here; each page module adds its own with add_words() so that its words live beside it."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from gridcity.domain.durations import Duration
from gridcity.domain.registry import Relationship, ResidentTag, VisitKind
from gridcity.domain.taxonomy import Stage
from gridcity.domain.workflow import CaseAction, CaseState, ClosingType, Role

LANGUAGES = ("zh", "en")
COOKIE = "gridcity_lang"

_WORDS: dict[str, tuple[str, str]] = {
    "app": ("网格化城市管理平台", "Grid city management"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "work_queue": ("工作队列", "Work queue"),
    "map": ("地图", "Map"),
    "notifications": ("待办提醒", "What needs you"),
    "nothing_new": ("暂无待办", "Nothing to do"),
    "mark_seen": ("留言标为已读", "Mark notes read"),
    "all_cases": ("全部案件", "All cases"),
    "number": ("案件编号", "Case number"),
    "class": ("类别", "Class"),
    "state": ("状态", "State"),
    "place": ("位置", "Place"),
    "deadline": ("时限", "Deadline"),
    "light": ("灯", "Light"),
    "reported_at": ("上报时间", "Reported"),
    "department": ("责任部门", "Department"),
    "history": ("处理经过", "History"),
    "actions": ("可执行操作", "Actions"),
    "note": ("说明", "Note"),
    "submit": ("提交", "Submit"),
    "photos": ("照片", "Photos"),
    "photo.taken_at": ("拍摄于", "Taken"),
    "photo.distance": ("距案件位置 {m} 米", "{m} m from the case point"),
    "photo.no_exif": ("无拍摄信息", "No time or place recorded"),
    "photo.required": ("需要至少一张现场照片", "At least one photo of the scene is needed"),
    "photo.flag.before_report": ("拍摄于上报之前", "Taken before the report"),
    "photo.flag.far": ("距案件位置 {m} 米", "{m} m from the case point"),
    "export_csv": ("导出CSV", "Export CSV"),
    "search": ("查询", "Search"),
    "sort.deadline": ("时限最近优先", "Deadline first"),
    "sort.-deadline": ("时限最远优先", "Deadline last"),
    "sort.-reported_at": ("最新上报优先", "Newest first"),
    "sort.reported_at": ("最早上报优先", "Oldest first"),
    "no_cases": ("没有案件", "No cases"),
    "grids": ("网格", "Grids"),
    "track": ("案件查询", "Follow a case"),
    "track_hint": ("输入案件编号查看办理进度", "Enter the case number to see its progress"),
    "not_found": ("未找到该案件", "No such case"),
    "stale": ("案件已被他人更新，请刷新后重试", "The case changed meanwhile; reload and try again"),
    "done": ("已完成", "Done"),
    "queue.verify": ("待核实", "To verify"),
    "queue.accept": ("待受理", "To accept"),
    "queue.file": ("待立案", "To file"),
    "queue.dispatch": ("待派遣", "To dispatch"),
    "queue.approve": ("待审批", "Approvals"),
    "queue.dispose": ("处置中", "Disposing"),
    "queue.check": ("待核查", "To check"),
    "queue.close": ("待结案", "To close"),
    "queue.all": ("全部", "All"),
    "language": ("English", "中文"),
    "field": ("外勤", "Field"),
    "note_kind.task": ("新任务", "Task"),
    "note_kind.note": ("留言", "Note"),
    "note_kind.assist": ("配合", "Assist"),
    "note_kind.status": ("进展", "Progress"),
    "note_kind.warning": ("预警", "Warning"),
    "note_kind.escalation": ("升级", "Escalated"),
    "citizen_rating": ("市民评价", "Citizen's rating"),
    "closure_no": ("第 {n} 次结案", "closure {n}"),
    "callback": ("回访", "Callback"),
    "callback_verdict": ("回访结果", "Caller's verdict"),
    "callback_solved": ("问题是否解决", "Problem solved?"),
    "callback_solved_yes": ("已解决", "solved"),
    "callback_solved_no": ("未解决", "not solved"),
    "street": ("街道", "Street"),
    "all_streets": ("全部街道", "All streets"),
    "network": ("网络", "Network"),
    "all_networks": ("全部网络", "All networks"),
    "network.city_management": ("城市管理", "City management"),
    "network.social_service": ("社会服务", "Social service"),
    "network.public_security": ("社会治安", "Public security"),
    "class_code": ("类别代码", "Class code"),
    "overdue_only": ("仅超时", "Overdue only"),
    "sort": ("排序", "Sort"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "map.in_time": ("按时", "In time"),
    "map.near_limit": ("临近时限", "Near the limit"),
    "map.overdue": ("超时", "Overdue"),
    "map.no_clock": ("不计时", "No clock"),
    "map.show_ended": ("显示已结束案件（结案、不予受理、作废）", "Show ended cases (closed, rejected, void)"),
    "dept_desk": ("部门工作台", "Department desk"),
    "admin": ("系统管理", "Administration"),
    "portal": ("市民服务", "Citizens"),
    "action.report": ("上报", "Report"),
}


def add_words(words: dict[str, tuple[str, str]]) -> None:
    """A page module's own words; a key used twice is a mistake, caught at import."""
    clash = sorted(words.keys() & _WORDS.keys())
    if clash:
        raise ValueError(f"words defined twice: {', '.join(clash)}")
    _WORDS.update(words)


def has(key: str) -> bool:
    """Whether the catalogue holds a key (for a page that picks a key by a value, e.g. a status)."""
    return key in _WORDS


def language(request: Request) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "zh"


def translator(lang: str):  # type: ignore[no-untyped-def]
    index = LANGUAGES.index(lang)

    def t(key: str) -> str:
        words = _WORDS.get(key)
        return words[index] if words else key

    return t


def action_label(code: str, lang: str) -> str:
    """The name of a history entry's action: 上报 for the report, else the workflow action's label."""
    if code == "report":
        return _WORDS["action.report"][LANGUAGES.index(lang)]
    return _label(CaseAction, code, lang)


def state_label(code: str, lang: str) -> str:
    return _label(CaseState, code, lang)


def stage_label(code: str | None, lang: str) -> str:
    return _label(Stage, code, lang) if code else ""


def closing_label(code: str | None, lang: str) -> str:
    return _label(ClosingType, code, lang) if code else ""


def role_label(code: str, lang: str) -> str:
    return _label(Role, code, lang)


def light_label(light: str | None, lang: str) -> str:
    """What a traffic light means (its title): 按时 / 临近时限 / 超时, 不计时 without a clock."""
    key = {"green": "map.in_time", "yellow": "map.near_limit", "red": "map.overdue"}.get(
        light or "", "map.no_clock"
    )
    return _WORDS[key][LANGUAGES.index(lang)]


def duration_label(duration: Duration, lang: str) -> str:
    """A time limit as a person reads it: 4工作小时 / 4 working hours (the stored form is 4 work_hours)."""
    if lang == "zh":
        return duration.label_zh
    amount = int(duration.amount) if duration.amount == int(duration.amount) else duration.amount
    unit = {"minutes": "minute", "work_hours": "working hour", "work_days": "working day"}[
        duration.unit.value
    ]
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


_REGISTRY_KINDS = {"relation": Relationship, "tag": ResidentTag, "visit": VisitKind}


def registry_label(kind: str, code: str, lang: str) -> str:
    """A value of the registry (a resident's relation or tag, a visit's kind) in the language."""
    return _label(_REGISTRY_KINDS[kind], code, lang)


def _label(kind: Any, code: str, lang: str) -> str:
    """An enum member's label in the language; a value the enum does not know (an older version's)
    is shown as it is stored."""
    try:
        member = kind(code)
    except ValueError:
        return code
    return str(member.label_zh if lang == "zh" else member.label_en)


def labels(lang: str) -> dict[str, Any]:
    """The label helpers every template gets (pages.render)."""
    return {
        "action_label": lambda code: action_label(code, lang),
        "state_label": lambda code: state_label(code, lang),
        "stage_label": lambda code: stage_label(code, lang),
        "closing_label": lambda code: closing_label(code, lang),
        "role_label": lambda code: role_label(code, lang),
        "light_label": lambda light: light_label(light, lang),
        "duration_label": lambda duration: duration_label(duration, lang),
        "registry_label": lambda kind, code: registry_label(kind, code, lang),
    }
