"""What the platform tells people when it refuses something, in their language: the message
catalogue (Chinese first, English second) and the message a refusal carries — a code and its
parameters, rendered when it is shown, in the language of the person asking (set per request by
`web.language`; the command line and logs read English).

A refusal written before the catalogue carries its English text only; converting one means adding
its code here with both texts (tests/unit/domain/test_messages.py fails on a code used in the code
base without both, or on texts that disagree on their parameters)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("zh", "en")

# code → (中文, English). Parameters in braces; both texts name the same ones.
CATALOGUE: dict[str, tuple[str, str]] = {
    "case.not_found": ("找不到案件 {case}", "case {case} not found"),
    "case.changed": (
        "案件 {number} 在您打开后已被他人处理（您看到的是第 {seen} 版，现在是第 {now} 版），请刷新后再操作",
        "case {number} changed since you loaded it (you saw version {seen}, it is now {now}); "
        "reload it and try again",
    ),
    "case.changed_meanwhile": (
        "案件 {case} 同时被他人修改，请刷新后再操作",
        "case {case} was changed by someone else at the same moment; reload it and try again",
    ),
    "case.unknown_action": ("没有“{action}”这个操作", "unknown action {action!r}"),
    "case.note_required": ("{what}：请填写原因", "{what_en}: write a note saying why"),
    "case.not_your_department": ("该案件不在本部门办理", "this case is not with your department"),
    "case.not_your_report": (
        "只有上报该案件的市民可以这样做",
        "only the citizen who reported the case may do this",
    ),
    "bulk.none_chosen": ("请先勾选要办理的案件", "tick the cases to act on first"),
    "bulk.not_offered": ("该队列不提供这项批量操作", "this queue offers no such bulk action"),
    "workflow.not_possible": (
        "案件当前为“{state_zh}”，不能“{action_zh}”；可进行的操作：{allowed_zh}",
        "action '{action}' ({action_zh}) is not possible while the case is '{state}' ({state_zh}); "
        "possible actions: {allowed}",
    ),
    "workflow.not_your_role": (
        "{role_zh}不能“{action_zh}”，这一步由{who_zh}办理",
        "role '{role}' ({role_zh}) may not '{action}' ({action_zh}); this is done by: {who}",
    ),
    "workflow.system_only": (
        "{role_zh}不能“{action_zh}”，这一步只由系统（时限巡检）执行",
        "role '{role}' ({role_zh}) may not '{action}' ({action_zh}); only the system does this "
        "(the deadline sweep)",
    ),
    "closing.unknown": (
        "没有“{requested}”这种结案类型；可选：{types_zh}",
        "unknown closing type {requested!r}; types: {types}",
    ),
    "closing.self_handled": (
        "“自行处置”由自行处置操作设定，结案时不能选",
        "self_handled is set by the self_handle action, not by close",
    ),
    "closing.late_not_normal": (
        "部门超过时限才反馈处置，不能按“正常结案”办理：请按“超期结案”，或写明原因按“特殊结案”",
        "the department disposed of this case after its deadline: close it as overdue (超期结案), "
        "or as special (特殊结案) with the reason",
    ),
    "closing.on_time_not_overdue": (
        "部门按时反馈了处置，请按“正常结案”办理",
        "the department disposed of this case on time: close it as normal (正常结案)",
    ),
    "closing.special_needs_reason": (
        "“特殊结案”需要在备注中写明原因",
        "a special closing (特殊结案) needs the reason in the note",
    ),
    # pages and API refusals
    "page.not_for_role": ("本页面供{roles_zh}使用", "this page is for {roles_en}"),
    "page.sign_in": ("请先登录", "sign in first"),
    "page.form_damaged": ("表单已损坏，请刷新页面后重试", "the form is damaged; reload the page"),
    "page.no_case_version": ("表单缺少案件版本，请刷新页面", "the form has no case version; reload the page"),
    "page.no_territory": (
        "本账号所辖区域在地图上还没有边界：请先导入边界",
        "your area has no territory on the map yet: import its boundaries first",
    ),
    "page.not_a_department": (
        "该账号不属于任何部门，请联系管理员调整",
        "this account does not belong to a department; ask an administrator to move it",
    ),
    "page.unknown_tab": ("没有“{tab}”这个标签页；可选：{tabs}", "unknown tab {tab!r}; one of {tabs}"),
    "page.staff_only": ("巡查情况由平台人员查看", "patrols are shown to platform staff only"),
    "page.too_long": ("“{field}”最多 {max} 个字符", "{field}: at most {max} characters"),
    "access.city_admin": ("只有市级平台管理员可以{what_zh}", "only an admin of the city platform {what}"),
    "api.no_attachment": ("找不到附件 {attachment}", "attachment {attachment} not found"),
    "api.sign_in": (
        "请先登录：用 POST /api/v1/auth/token 取得令牌，以 'Authorization: Bearer <令牌>' 发送",
        "sign in first: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token",
    ),
    "api.role_needed": ("这需要以下角色：{roles_zh}", "this needs the role {roles}"),
    "request.invalid": ("请求有误：{problems}", "invalid request: {problems}"),
    "request.unstorable": (
        "请求中的某个值无法保存：{reason}",
        "a value of the request cannot be stored: {reason}",
    ),
    "request.nul": ("地址中含有不允许的空字符（%00）", "the address holds a NUL character (%00)"),
    "request.not_found": ("没有这个地址", "Not Found"),
    "request.method": ("该地址不支持这种请求方式", "Method Not Allowed"),
    "request.missing": ("必须填写", "Field required"),
    "request.not_integer": ("应为整数", "Input should be a valid integer"),
    "request.not_number": ("应为数字", "Input should be a valid number"),
    "request.not_boolean": ("应为 true 或 false", "Input should be a valid boolean"),
    "request.not_date": ("应为日期（如 2026-11-01）", "Input should be a valid date"),
    "request.not_datetime": ("应为时间（如 2026-11-01T08:00:00+08:00）", "Input should be a valid datetime"),
    "request.not_text": ("应为文字", "Input should be a valid string"),
    "request.too_long": ("最多 {max_length} 个字符", "String should have at most {max_length} characters"),
    "request.too_short": ("至少 {min_length} 个字符", "String should have at least {min_length} characters"),
    "request.too_small": ("不能小于 {limit}", "Input should be at least {limit}"),
    "request.too_large": ("不能大于 {limit}", "Input should be at most {limit}"),
    "request.pattern": ("格式不符（{pattern}）", "String should match pattern '{pattern}'"),
    "request.choice": ("只能是：{expected}", "Input should be {expected}"),
    "request.bad_json": ("不是有效的 JSON", "Invalid JSON"),
    "request.other": ("值无效（{msg}）", "{msg}"),
    "queue.unknown": ("没有“{queue}”这个队列；可选：{queues}", "unknown queue {queue!r}; one of {queues}"),
    "list.unknown_sort": ("没有“{sort}”这种排序；可选：{sorts}", "unknown sort {sort!r}; sorts: {sorts}"),
    "list.unknown_network": (
        "没有“{network}”这个网络；可选：{networks}",
        "unknown network {network!r}; networks: {networks}",
    ),
    "list.unknown_standard": (
        "没有“{standard}”这个标准；可选：{standards}",
        "unknown standard {standard!r}; standards: {standards}",
    ),
    "list.unknown_kind": ("类型只能是部件（component）或事件（event）", "kind is component or event"),
    "list.unknown_role": ("没有“{role}”这个角色；可选：{roles}", "unknown role {role!r}; roles: {roles}"),
    "list.active_flag": ("状态只能是 1（启用）或 0（停用）", "active is 1 (active) or 0 (deactivated)"),
    "list.unknown_layer": (
        "没有“{layer}”这个网格图层；可选：{layers}",
        "unknown grid layer {layer!r}; layers: {layers}",
    ),
    "list.unknown_level": ("层级只能是：{levels}", "level is {levels}"),
    "list.unknown_chart": ("没有“{chart}”这个图表；可选：{charts}", "no chart {chart!r}; charts: {charts}"),
    "list.map_days": ("天数只能是 {days} 之一", "days is one of {days}"),
    "list.timezone_needed": (
        "时间须带时区，例如 2026-11-01T00:00:00+08:00",
        "give times with a timezone, e.g. 2026-11-01T00:00:00+08:00",
    ),
    "list.bad_date": (
        "{what_zh}：“{value}”不是日期（YYYY-MM-DD）",
        "{what}: {value!r} is not a date (YYYY-MM-DD)",
    ),
    "list.bad_resident": ("人员编号：“{value}”不是数字", "resident id: {value!r} is not a number"),
    "map.parent_needed": (
        "请指定上级：街道须指定所属区，社区须指定所属街道",
        "name the parent district (for streets) or street (for communities)",
    ),
    "calendar.not_a_year": ("“{value}”不是年份", "not a year: {value!r}"),
    "calendar.year_range": ("日历只涵盖 2000 年至 2100 年", "the calendar covers the years 2000 to 2100"),
    "calendar.not_a_date": (
        "“{value}”不是日期（请写成 2027-01-01）",
        "not a date: {value!r} (write it as 2027-01-01)",
    ),
    "calendar.day_kind": (
        "请选择这一天是休息日还是工作日",
        "choose whether the day is a rest day or a working day",
    ),
    "calendar.day_needed": ("请选择日期", "choose the day"),
    "calendar.reason_needed": (
        "请填写原因（如 元旦、调休上班）",
        "give the reason (e.g. New Year's Day, a make-up working day)",
    ),
    "classes.ref_needed": ("请指定类别：ref=标准:类型:代码", "name the class: ref=standard:kind:code"),
    "classes.limit_required": (
        "每个类别都必须设定“{stage_zh}”时限，不能留空",
        "every class needs a {stage} limit; it cannot be left empty",
    ),
    "classes.owner_cooperating": (
        "主责部门不能同时是配合单位",
        "the owner department cannot also be a cooperating unit",
    ),
    "classes.no_area_owner": (
        "{area} 没有为该类别单独设定主责部门",
        "{area} has no owner of its own for this class",
    ),
    "classes.unknown_part": ("类别表单中没有“{part}”这一部分", "unknown part of the class form: {part!r}"),
    "classes.owner_needed": ("请选择默认主责部门", "choose the default owner department"),
    "classes.area_needed": ("请选择区域（区或街道）", "choose the area (district or street)"),
    "classes.area_owner_needed": (
        "请选择该区域的主责部门",
        "choose the department that owns the class there",
    ),
    "people.code_needed": ("请填写部门代码", "give the department's code"),
    "people.name_needed": ("请填写部门名称", "give the department's name"),
    "people.new_name_needed": ("请填写新名称", "give the new name"),
    "people.username_needed": ("请填写用户名", "give the username"),
    "people.role_needed": ("请选择角色", "choose the role"),
    "people.unit_needed": ("请选择所属单位", "choose the unit the user belongs to"),
    "people.display_name_needed": ("请填写姓名", "give the display name"),
    "supervisors.codes_needed": ("请填写网格编码", "give the grid codes"),
    "supervisors.choose": ("请选择监督员", "choose a supervisor"),
    "territory.file_needed": ("请选择要导入的网格 GeoJSON 文件", "choose a GeoJSON file of grids to import"),
    "territory.no_grids": ("{parent} 没有现行的{layer_zh}网格", "{parent} has no current {layer} grids"),
    "integrations.name_needed": ("请填写订阅名称", "give the subscription's name"),
    "integrations.url_needed": ("请填写接收事件的网址", "give the URL to send the events to"),
    "integrations.system_needed": ("请填写系统名称", "give the system's name"),
    "integrations.department_needed": ("请选择部门", "choose the department"),
    "apps.name_needed": ("请填写应用名称", "give the application's name"),
    "patrol.grid_unassigned": ("网格 {grid} 没有分配给监督员", "grid {grid} is not assigned to a supervisor"),
    "patrol.for_supervisors": ("这是监督员的功能", "this is for supervisors only"),
    "patrol.batch_too_big": ("一批轨迹最多 {max} 个点", "a batch of the track holds at most {max} points"),
    "patrol.not_json": ("轨迹不是 JSON：请发送 {{points: [...]}}", "not JSON: send {{points: [...]}}"),
    "patrol.day_range": ("日期须在 1970 年至 2100 年之间", "day: a day between 1970 and 2100"),
    "calendar.unconfirmed_year": (
        "国家节假日表尚未收录 {year} 年：该年时限按周一至周五计算，"
        "扣除按现行规定计算出的法定节假日和本市设定的日子；"
        "请确认 {year} 年计算出的 {count} 天法定节假日，并在国务院通知发布后设定调休上班日",
        "the national holiday table does not know {year} yet: deadlines that year count Monday to Friday "
        "less the statutory holidays computed from the rules in force, plus the city's own days; confirm "
        "{year}'s {count} computed holidays and enter its make-up working days when the notice comes",
    ),
    "calendar.confirmed_year": (
        "国家节假日表尚未收录 {year} 年：法定节假日已确认为本市设定的休息日；"
        "请在国务院通知发布后设定调休上班日",
        "the national holiday table does not know {year} yet: its statutory holidays are confirmed as the "
        "city's own days; enter the make-up working days (调休) when the notice comes",
    ),
}

_LANGUAGE: ContextVar[str] = ContextVar("gridcity_language", default="en")


def current_language() -> str:
    return _LANGUAGE.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Render messages in `language` within the block (a request's language)."""
    token = _LANGUAGE.set(language if language in LANGUAGES else "en")
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


@dataclass(frozen=True)
class Message:
    """A refusal's text as a code of the catalogue and its parameters, rendered when shown."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, language: str | None = None) -> str:
        zh, en = CATALOGUE[self.code]
        template = zh if (language or current_language()) == "zh" else en
        return template.format(**self.params)

    def __str__(self) -> str:
        return self.render()


def message(code: str, **params: Any) -> Message:
    if code not in CATALOGUE:
        raise KeyError(f"message {code!r} is not in the catalogue")
    return Message(code, params)
