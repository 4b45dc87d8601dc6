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
    # services refusals
    "registry.staff_only": (
        "人口和地情登记仅供平台工作人员使用（部门和市民不能使用）",
        "the registry is for the staff of a platform (not departments or citizens)",
    ),
    "registry.residents_hidden": (
        "居民信息仅管理员、领导、网格员和治安网格员可以查看",
        "residents are seen by admins, leaders, grid workers (网格员) and police (治安网格员)",
    ),
    "registry.not_your_area": (
        "只有本辖区的管理员或本网格的网格员、治安网格员可以登记或修改该{what}",
        "only the admin of the area or the grid's own staff may record or change this {what}",
    ),
    "registry.not_a_number": ("{what}必须是数字，不能是 {value!r}", "{what} must be a number, not {value!r}"),
    "registry.out_of_range": (
        "{what} {value!r} 超出范围（{low}…{high}）",
        "{what} {value!r} is out of range ({low}…{high})",
    ),
    "registry.required": ("请填写{what}", "{what} is required"),
    "registry.too_long": (
        "{what}不能超过 {max_length} 个字",
        "{what} is longer than {max_length} characters",
    ),
    "registry.bad_attrs": (
        "附加属性（attrs）必须是由名称和值组成的对象",
        "attrs must be an object of names and values",
    ),
    "registry.no_parent": ("所在楼栋 {parent_id} 不存在或已注销", "no current place {parent_id} to lie in"),
    "registry.parent_not_building": (
        "地点 {parent_id}（{parent_name}）不是楼栋",
        "place {parent_id} ({parent_name}) is not a building",
    ),
    "registry.place_needs_location": (
        "地点需要坐标（lon, lat）、轮廓（geometry）或所在楼栋（parent_id）",
        "a place needs its point (lon, lat), its outline (geometry) or its building (parent_id)",
    ),
    "registry.bad_geometry": ("轮廓（geometry）不是 GeoJSON 几何对象", "geometry is not a GeoJSON geometry"),
    "registry.outline_type": (
        "地点轮廓必须是多边形（Polygon 或 MultiPolygon），不能是 {geom_type}",
        "a place's outline is a Polygon or MultiPolygon, not {geom_type}",
    ),
    "registry.outline_invalid": (
        "地点轮廓不是有效的多边形（边线自相交）",
        "the place's outline is not a valid polygon (it crosses itself)",
    ),
    "registry.place_fixed": (
        "地点的 {unknown} 不能修改：请注销该地点后重新登记",
        "a place's {unknown} cannot be changed; end it and record a new one",
    ),
    "registry.place_has_households": (
        "地点 {place_id} 仍有住户居住：请先注销这些住户",
        "households still live in place {place_id}: end them first",
    ),
    "registry.not_found": ("找不到{what} {row_id}", "no {what} {row_id}"),
    "registry.ended": (
        "{what} {row_id} 已于 {ended} 注销，其记录仅作历史保存",
        "{what} {row_id} ended on {ended}: its record is history",
    ),
    "registry.uscc_taken": (
        "统一社会信用代码为 {uscc} 的组织已经登记",
        "an organisation with the credit code {uscc} is registered already",
    ),
    "registry.no_place": ("地点 {place_id} 不存在或已注销", "no current place {place_id}"),
    "registry.needs_place": (
        "{what}需要所在地点（place_id）或坐标（lon, lat）",
        "{what}: give its place (place_id) or its point (lon, lat)",
    ),
    "registry.household_no_place": (
        "住户所在地点 {place_id} 不存在或已注销",
        "no current place {place_id} for the household",
    ),
    "registry.household_not_house": (
        "地点 {place_id} 是{kind_zh}：住户只能住在房屋里",
        "place {place_id} is a {kind}: a household lives in a house",
    ),
    "registry.no_household": ("住户 {household_id} 不存在或已注销", "no current household {household_id}"),
    "registry.id_number_taken": (
        "该身份证号已经登记（居民 {other_id}，住户 {household_id}）：请先在原住户办理迁出",
        "this ID number is registered already (resident {other_id}, household {household_id}): move them "
        "out there first",
    ),
    "registry.residents_by_staff": (
        "居民由本辖区的管理员或本网格的网格员登记",
        "residents are recorded by the admin of the area or the grid worker (网格员) of the grid",
    ),
    "registry.tag_not_yours": (
        "{role_zh}不能设置或取消“{label_zh}”标签",
        "a {role} may not set or clear the tag {tag} ({label_zh})",
    ),
    "registry.not_changeable": (
        "不能修改 {unknown}（可修改：{allowed}）",
        "cannot change {unknown} (changeable: {allowed})",
    ),
    "registry.police_own_grids": (
        "治安网格员只能修改本网格居民的治安标签",
        "the police change the public-security tags of residents of their own grids only",
    ),
    "registry.household_has_residents": (
        "住户 {household_id} 仍有居民：请先办理迁出",
        "household {household_id} still has residents: move them out first",
    ),
    "registry.tag_restricted": (
        "“{label_zh}”标签仅治安网格员和管理员可见",
        "the tag {tag} ({label_zh}) is known to the police and the admins only",
    ),
    "registry.masked_only": ("{role_zh}只能查看脱敏后的个人信息", "a {role} reads personal data masked only"),
    "registry.export_admin_only": (
        "只有管理员可以导出个人信息",
        "only an admin (管理员) may export personal data",
    ),
    "registry.access_log_admin_only": (
        "个人信息查阅记录仅管理员可以查看",
        "the personal-data access log is for admins (管理员)",
    ),
    "registry.period_reversed": (
        "起始日期（{since}）晚于结束日期（{until}）",
        "the period starts ({since}) after it ends ({until})",
    ),
    "registry.households_hidden": (
        "住户信息仅管理员、领导和网格员可以查看",
        "households are seen by admins, leaders and grid workers (网格员)",
    ),
    "registry.assign_admin_only": (
        "网格由管理员分配给网格工作人员",
        "grids are assigned to their staff by an admin (管理员)",
    ),
    "registry.not_grid_staff": (
        "{username} 是{role_zh}：网格只分配给网格员和治安网格员",
        "{username} is a {role}: grids are assigned to grid workers and police",
    ),
    "registry.no_grid": ("没有现行的网格 {grid_code!r}（{layer}）", "no current {layer} grid {grid_code!r}"),
    "registry.grid_outside_area": (
        "网格 {grid_code} 不在您的辖区内",
        "grid {grid_code} lies outside your area",
    ),
    "registry.visit_no_class": (
        "只有“服务诉求”可以转为案件：走访没有案件类别",
        "only a service request (服务诉求) becomes a case: a visit has no case class",
    ),
    "registry.not_a_member": (
        "居民 {resident_id} 不是住户 {household_id} 的成员",
        "resident {resident_id} is not a member of household {household_id}",
    ),
    "registry.police_key_persons": (
        "治安网格员只登记对本网格重点人员的走访",
        "the police record visits to the key persons of their own grids",
    ),
    "registry.visits_by_grid_worker": (
        "走访由住户所在网格的网格员登记",
        "visits are recorded by the grid worker (网格员) of the household's grid",
    ),
    "registry.household_ended": ("住户 {household_id} 已注销", "household {household_id} has ended"),
    "registry.visit_needs_person": (
        "走访须由登录的工作人员登记",
        "a visit is recorded by a person (sign in)",
    ),
    "registry.request_by_grid_worker": (
        "服务诉求由其所在网格的网格员上报为案件",
        "a service request is reported as a case by the grid worker (网格员) of its grid",
    ),
    "registry.no_visit": ("找不到走访记录 {visit_id}", "no visit {visit_id}"),
    "registry.not_a_request": (
        "走访记录 {visit_id} 是“{label_zh}”，不是“服务诉求”",
        "visit {visit_id} is a {label_zh}, not a service request (服务诉求)",
    ),
    "registry.request_reported": (
        "服务诉求 {visit_id} 已转为案件 {case_id}",
        "service request {visit_id} became case {case_id} already",
    ),
    "registry.request_reported_meanwhile": (
        "服务诉求 {visit_id} 同时已被他人转为案件",
        "service request {visit_id} became a case at the same moment",
    ),
    "registry.visit_no_place": (
        "走访记录 {visit_id} 没有可上报案件的地点",
        "visit {visit_id} has no place to report the case at",
    ),
    "registry.visits_hidden": (
        "走访记录仅网格工作人员、管理员和领导可以查看",
        "visits are seen by grid staff, admins and leaders",
    ),
    "registry.subjects_by_staff": (
        "案件关联的人、地、物、组织由平台工作人员指定",
        "the places and people of a case are named by platform staff",
    ),
    "registry.no_subject": ("找不到{kind_zh} {subject_id}", "no {subject_kind} {subject_id}"),
    "registry.subject_linked": (
        "该案件已关联{kind_zh} {subject_id}",
        "{subject_kind} {subject_id} is linked to this case already",
    ),
    "user.not_found": ("找不到用户 {username!r}", "no user {username!r}"),
    "class.unknown": (
        "案件类别目录中没有类别 {class_code!r}",
        "no case class {class_code!r} in the catalogue",
    ),
    "noun.name": ("名称", "the name"),
    "noun.address": ("地址", "the address"),
    "noun.household_number": ("户号", "the household number"),
    "noun.note": ("备注", "the note"),
    "noun.class_code": ("案件类别（class_code）", "the case class (class_code)"),
    "noun.place": ("地点", "place"),
    "noun.organisation": ("组织", "organisation"),
    "noun.thing": ("物件", "thing"),
    "noun.resident": ("居民", "resident"),
    "noun.household": ("住户", "household"),
    "noun.lon": ("经度（lon）", "lon"),
    "noun.lat": ("纬度（lat）", "lat"),
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
