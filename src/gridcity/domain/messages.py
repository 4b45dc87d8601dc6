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
    # domain and spatial refusals
    # settings files and class patches (类别设置)
    "settings.problem": ("{at} 有误：{reason}", "{at}: {reason}"),
    "settings.unknown_stage": (
        "{at}：没有“{value}”这个环节（可选：{stages}）",
        "{at}: unknown stage {value!r} (use {stages})",
    ),
    "settings.not_duration": (
        "{at}：时限应写成“4 work_hours”这样的文本，而不是 {value!r}",
        "{at}: a duration must be a text like '4 work_hours', not {value!r}",
    ),
    "settings.limit_not_positive": ("{at}：时限必须大于零", "{at}: a time limit must be more than zero"),
    "settings.not_text": ("{at}：应填写文本，而不是 {value!r}", "{at}: must be a text, not {value!r}"),
    "settings.empty": ("{at}：不能为空", "{at}: must not be empty"),
    "settings.unknown_network": (
        "{at}：没有“{value}”这个网络（可选：{networks}）",
        "{at}: unknown network {value!r} (use {networks})",
    ),
    "settings.not_department_list": ("{at}：应为部门代码列表", "{at}: must be a list of department codes"),
    "settings.not_level_list": (
        "{at}：应为非空的紧急程度列表，例如 ['normal', 'urgent']",
        "{at}: must be a non-empty list of levels, e.g. ['normal', 'urgent']",
    ),
    "settings.levels_not_distinct": (
        "{at}：紧急程度不能为空，也不能重复：{levels}",
        "{at}: levels must be distinct and non-empty: {levels}",
    ),
    "settings.not_boolean": (
        "{at}：应为 true 或 false，而不是 {value!r}",
        "{at}: must be true or false, not {value!r}",
    ),
    "settings.not_action_list": (
        "{at}：应为操作列表，例如 ['verify_ok', 'report_done']",
        "{at}: must be a list of actions, e.g. ['verify_ok', 'report_done']",
    ),
    "settings.no_photo_action": (
        "{at}：{unknown} 不能要求照片（可附照片的操作：{actions}）",
        "{at}: {unknown} cannot require a photo (actions that carry photos: {actions})",
    ),
    "settings.not_table": ("{at}：应为一个表，而不是 {value!r}", "{at}: must be a table, not {value!r}"),
    "settings.not_area_code": (
        "{at}：区域应为 6 位区县代码或 9 位街道代码",
        "{at}: an area must be a 6-digit district or 9-digit street code",
    ),
    "settings.limit_required": (
        "{at}：每个类别都必须有“{stage_zh}”时限，不能删除",
        "{at}: every class needs a {stage} limit; it cannot be removed",
    ),
    "settings.unknown_field": ("{at}：没有这个字段", "{at}: unknown field"),
    "settings.not_field_table": ("{at}：应为由字段组成的表", "{at}: must be a table of fields"),
    "settings.not_object": ("{at}：应为由字段组成的对象", "{at}: must be an object of fields"),
    "settings.field_not_allowed": (
        "{at}：此处不能有这个字段（可用字段：{allowed}）",
        "{at}: unknown field (allowed here: {allowed})",
    ),
    "settings.not_array": (
        "{at}：应写成表数组（[[{section}]]）",
        "{at}: must be an array of tables ([[{section}]])",
    ),
    "settings.not_entry_table": ("{at}：应为一个表", "{at}: must be a table"),
    "settings.missing": ("{at}：缺少此项", "{at}: missing"),
    "settings.not_nonempty_list": ("{at}：应为非空列表", "{at}: must be a non-empty list"),
    "settings.unknown_section": (
        "{at}：没有这一节（可用：{sections}）",
        "{at}: unknown section (use {sections})",
    ),
    "settings.unknown_kind": (
        "{at}：没有“{value}”这种类型（可选：部件 component 或 事件 event）",
        "{at}: unknown kind {value!r} (use component or event)",
    ),
    "settings.missing_column": (
        "{at}：缺少“{column}”列（现有列：{have}）",
        "{at}: missing column {column!r} (have {have})",
    ),
    "settings.not_toml": ("{at}：不是有效的 TOML 文件：{error}", "{at}: not valid TOML: {error}"),
    "settings.code_or_codes": (
        "{at}：请填写 code = '...' 或 codes = [...]，二者只能选一",
        "{at}: give either code = '...' or codes = [...]",
    ),
    "settings.not_code_list": ("{at}：应为非空的类别代码列表", "{at}: must be a non-empty list of codes"),
    "settings.unchangeable": ("{at}：不能修改（当前为 {value!r}）", "{at}: cannot be changed ({value!r})"),
    "settings.unknown_standard": ("{at}：没有“{standard}”这个标准", "{at}: unknown standard {standard!r}"),
    "settings.unknown_standard_kind": (
        "{at}：标准“{standard}”中没有{kind_zh}类别",
        "{at}: unknown standard {standard!r} ({kind})",
    ),
    # classes (类别)
    "class.unknown_urgency": (
        "类别 {code} {name} 没有“{level}”这个紧急程度；可选：{levels}",
        "unknown urgency {level!r} for class {code} {name}: use one of {levels}",
    ),
    "class.not_found": ("找不到代码为 {code} 的类别", "no class {code}"),
    "class.not_found_in": ("{standard} 中找不到代码为 {code} 的类别", "no class {code} in {standard}"),
    "class.kind_not_found": ("找不到代码为 {code} 的{kind_zh}类别", "no {kind} class {code}"),
    "class.kind_not_found_in": (
        "{standard} 中找不到代码为 {code} 的{kind_zh}类别",
        "no {kind} class {code} in {standard}",
    ),
    "class.ambiguous": (
        "代码 {code} 对应多个类别，请注明部件/事件或标准：{options}",
        "class {code} is ambiguous, give the kind or standard: {options}",
    ),
    "class.bad_ref": (
        "“{ref}”不是类别引用（应写成 标准:类型:代码）",
        "not a class reference (standard:kind:code): {ref!r}",
    ),
    "class.bad_code": ("{at}：“{value}”不是类别代码", "{at}: not a class code: {value!r}"),
    "class.code_mismatch": (
        "{at}：代码 {code} 不等于大类代码加小类代码（{major}{minor}）",
        "{at}: {code} is not major_code + minor_code ({major}{minor})",
    ),
    "class.names_empty": (
        "{at}：类别名称和大类名称都不能为空",
        "{at}: name and major_name must not be empty",
    ),
    "class.setting_missing": (
        "类别 {label} 没有设置 {field}（请在 [defaults] 中补上）",
        "class {label}: no {field} set (add it to [defaults])",
    ),
    "class.limits_missing": (
        "{at}：类别 {label} 缺少以下环节的时限：{stages}",
        "{at}: class {label} has no limit for {stages}",
    ),
    "class.default_urgency": (
        "{at}：类别 {label} 的默认紧急程度“{default}”不在紧急程度列表 {levels} 中（列表设于 {origin}）",
        "{at}: default urgency {default!r} of class {label} is not one of the urgency_levels {levels} "
        "(set at {origin})",
    ),
    "class.ref_mismatch": ("{at}：与标准、类型和代码不一致", "{at}: does not match standard, kind and code"),
    "class.needs_street": (
        "类别 {code} {name}：主责部门 {department} 按街道设置，需要案件所在街道的代码",
        "class {code} {name}: department {department} needs the case's street code",
    ),
    "class.needs_district": (
        "类别 {code} {name}：主责部门 {department} 按区县设置，需要案件所在区县的代码",
        "class {code} {name}: department {department} needs the case's district code",
    ),
    "class.twice": (
        "{at}：类别 {standard} {kind} {code} 出现了两次",
        "{at}: class {standard} {kind} {code} appears twice",
    ),
    "class.local_exists": (
        "{at}：类别 {standard} {kind} {code} 已存在（请用 [[class]] 修改）",
        "{at}: class {standard} {kind} {code} already exists (change it with [[class]])",
    ),
    "class.unknown_major": (
        "{at}：{standard} 中没有大类“{major}”",
        "{at}: unknown major class {major!r} in {standard!r}",
    ),
    "class.unknown": ("{at}：{standard} 中没有类别“{code}”", "{at}: unknown class {code!r} in {standard!r}"),
    "class.unknown_of_kind": (
        "{at}：{standard} 中没有{kind_zh}类别“{code}”",
        "{at}: unknown {kind} class {code!r} in {standard!r}",
    ),
    # departments (部门)
    "department.bad_code": ("{at}：“{value}”不是部门代码", "{at}: not a department code: {value!r}"),
    "department.unknown_at": ("{at}：没有代码为“{code}”的部门", "{at}: unknown department {code!r}"),
    "department.unknown": ("没有代码为“{code}”的部门", "unknown department {code!r}"),
    "department.needs_street": (
        "部门 {code} 按街道设置：需要街道代码",
        "department {code} is per street: a street code is needed",
    ),
    "department.needs_district": (
        "部门 {code} 按区县设置：需要区县代码",
        "department {code} is per district: a district code is needed",
    ),
    "department.unknown_tier": (
        "{at}：没有“{tier}”这个层级（可选：{tiers}）",
        "{at}: unknown tier {tier!r} (use {tiers})",
    ),
    "department.unknown_kind": (
        "{at}：没有“{kind}”这种部门类型（可选：{kinds}）",
        "{at}: unknown kind {kind!r} (use {kinds})",
    ),
    "department.code_needs_placeholder": (
        "{at}：{tier_zh}部门的代码必须包含 {placeholder}",
        "{at}: a {tier}-tier code must contain {placeholder}",
    ),
    "department.city_code_placeholder": (
        "{at}：市级部门代码不能包含 {{district}} 或 {{street}}",
        "{at}: a city-tier code must not contain {{district}} or {{street}}",
    ),
    "department.district_code_street": (
        "{at}：区级部门代码不能包含 {{street}}",
        "{at}: a district-tier code cannot contain {{street}}",
    ),
    "department.bad_name": ("{at}：名称中的占位符写法有误：{error}", "{at}: {error}"),
    "department.name_placeholders": (
        "{at}：不能使用占位符 {fields}（模板部门可用：{allowed}）",
        "{at}: placeholders {fields} not allowed (templates may use {allowed})",
    ),
    "department.defined_twice": ("{at}：部门 {code} 重复定义", "{at}: department {code}: defined twice"),
    # territory (区县、街道、网格代码)
    "territory.not_street_code": (
        "“{code}”不是街道代码（9 位数字）",
        "not a street code (9 digits): {code!r}",
    ),
    "territory.not_district_code": (
        "“{code}”不是区县代码（6 位数字）",
        "not a district code (6 digits): {code!r}",
    ),
    "territory.street_outside": (
        "街道 {street} 不在区县 {district} 内",
        "street {street} is not in district {district}",
    ),
    # working time and stage clocks (工作时间、环节计时)
    "clock.yellow_ratio": (
        "黄灯比例应在 0 到 1 之间（不含 0），而不是 {ratio}",
        "the yellow ratio must be in (0, 1], not {ratio}",
    ),
    "clock.bad_light_input": (
        "无法计算亮灯：已用时 {elapsed}，时限 {budget}",
        "bad light input: elapsed={elapsed}, budget={budget}",
    ),
    "clock.period_needs_times": (
        "工作时段需要两个 datetime.time 时刻",
        "a work period needs two datetime.time values",
    ),
    "clock.period_with_zone": (
        "工作时段是当地钟点时间：请不要带时区",
        "work period times are local wall-clock times: give them without tzinfo",
    ),
    "clock.period_backwards": (
        "工作时段的结束时间必须晚于开始时间：{period}",
        "a work period must end after it starts: {period}",
    ),
    "clock.not_a_period": (
        "“{text}”不是工作时段（请写成 08:30-12:00 这样）",
        "not a work period: {text!r} (write e.g. '08:30-12:00')",
    ),
    "clock.not_datetime": ("{name} 应为日期时间，而不是 {type}", "{name} must be a datetime, not {type}"),
    "clock.naive_datetime": ("{name} 必须带时区：{value}", "{name} must be timezone-aware: {value}"),
    "clock.unknown_unit": ("没有“{unit}”这个时间单位", "unknown time unit: {unit!r}"),
    "clock.not_finite": (
        "{what} 应为有限的数值，而不是 {value!r}",
        "{what} must be a finite number, not {value!r}",
    ),
    "clock.negative": ("{what} 不能为负数：{value}", "{what} cannot be negative: {value}"),
    "clock.not_a_work_period": ("{value!r} 不是工作时段", "not a WorkPeriod: {value!r}"),
    "clock.no_periods": ("工作日历至少需要一个工作时段", "a working calendar needs at least one work period"),
    "clock.periods_overlap": (
        "工作时段重叠：{before} 与 {after}",
        "work periods overlap: {before} and {after}",
    ),
    "clock.unknown_zone": ("没有“{zone}”这个时区", "unknown time zone: {zone!r}"),
    "clock.override_not_date": (
        "调整的日子必须是日期，而不是 {value!r}",
        "override keys must be dates, not {value!r}",
    ),
    "clock.not_a_date": (
        "{function} 需要一个日期，而不是 {value!r}",
        "{function} takes a date, not {value!r}",
    ),
    "clock.year_out_of_range": ("日期超出范围：{year} 年", "date out of range: year {year}"),
    "clock.not_a_duration": ("{value!r} 不是时限", "not a Duration: {value!r}"),
    "clock.no_working_time": (
        "从 {first} 年起 {years} 年内没有任何工作时间",
        "no working time in {years} years from {first}",
    ),
    "clock.suspended_before_start": (
        "环节不能在开始之前挂起",
        "a stage cannot be suspended before it started",
    ),
    "clock.already_suspended": ("该环节自 {since} 起已挂起", "the stage is already suspended since {since}"),
    "clock.not_suspended": ("该环节没有挂起", "the stage is not suspended"),
    "clock.resumed_before_suspension": (
        "环节不能在挂起之前恢复",
        "a stage cannot be resumed before it was suspended",
    ),
    "territory.code_not_text": (
        "{what_zh}应为数字串，而不是 {type} {code!r}",
        "{what} must be a string of digits, got {type} {code!r}",
    ),
    "territory.code_digits": (
        "{what_zh}应为 {shape_zh} 位数字，而不是 {code!r}",
        "{what} must be {shape} digits, got {code!r}",
    ),
    "territory.zero_segment": (
        "{code} 中的{what_zh}段为 {segment}；全为 0 的段留给上一级使用",
        "{what} segment of {code!r} is {segment!r}; zero is reserved for the parent level",
    ),
    "territory.not_public_security_code": (
        "治安网格代码应为 9 位街道代码 + PS + 3 位序号，而不是 {code!r}",
        "public-security grid code must be 9 digits + 'PS' + 3 digits, got {code!r}",
    ),
    "territory.sequence_range": (
        "{what_zh}应为 {low} 到 {high} 之间的整数，而不是 {seq!r}",
        "{what} must be an integer from {low} to {high}, got {seq!r}",
    ),
    "territory.bad_bbox": (
        "地图范围“{text}”应为四个数字：最小经度,最小纬度,最大经度,最大纬度（度），且最小值小于最大值",
        "bbox {text!r} is not four numbers min_lon,min_lat,max_lon,max_lat (degrees) with min < max",
    ),
    # transfer to another network (转办)
    "routing.no_target_network": (
        "请指定要转入的网络：{networks} 之一",
        "name the target network: one of {networks}",
    ),
    "routing.same_network": ("案件已在{network_zh}网络中", "the case is already in the {network} network"),
    "routing.no_target_class": (
        "请指定案件转入{network_zh}网络后的类别",
        "name the class of the {network} network the case becomes",
    ),
    "routing.class_of_other_network": (
        "类别 {code}（{name}）不属于{network_zh}网络",
        "class {code} ({name}) is not a class of the {network} network",
    ),
    # time limits (时限)
    "duration.negative": ("时限不能为负数：{amount}", "a duration cannot be negative: {amount}"),
    "duration.not_a_duration": (
        "“{text}”不是时限（请写成“30 minutes”“4 work_hours”“20 work_days”这样）",
        "not a duration: {text!r} (write e.g. '30 minutes', '4 work_hours', '20 work_days')",
    ),
    "duration.unknown_unit": (
        "“{text}”中的时间单位“{unit}”无法识别："
        "请用 minutes（分钟）、hours（小时）、work_hours（工作小时）或 work_days（工作日）",
        "unknown time unit {unit!r} in {text!r}: use minutes, hours, work_hours or work_days",
    ),
    # escalation (督办升级)
    "escalation.unknown_urgency": (
        "没有“{urgency}”这个紧急程度；可选：{levels}",
        "unknown urgency {urgency!r}: use one of {levels}",
    ),
    "escalation.one_duration": (
        "{name}：请填写一个时限，而不是 {given} 个：{texts!r}",
        "{name}: give one duration, not {given}: {texts!r}",
    ),
    "escalation.step_durations": (
        "{name}：请填写 {count} 个时限（街道、区、市），而不是 {given} 个：{texts!r}",
        "{name}: give {count} durations (street, district, city), not {given}: {texts!r}",
    ),
    "escalation.not_three_steps": (
        "{name}：应为三个时限（街道、区、市），而不是 {value!r}",
        "{name}: three durations (street, district, city), not {value!r}",
    ),
    "escalation.supervision_not_duration": (
        "supervision_after 应为时限，而不是 {value!r}",
        "supervision_after must be a duration, not {value!r}",
    ),
    "escalation.level_out_of_range": ("督办级别超出范围：{level}", "escalation level out of range: {level}"),
    "escalation.warned_out_of_range": ("预警级别超出范围：{warned}", "warned out of range: {warned}"),
    # analysis (统计分析)
    "analysis.unknown_preset": (
        "没有“{name}”这个时间段；可选：{presets}",
        "unknown period preset {name!r}; presets: {presets}",
    ),
    "analysis.not_a_date": (
        "{which_zh}日期“{text}”不是日期，请写成 YYYY-MM-DD",
        "the {which} date {text!r} is not a date; write it as YYYY-MM-DD",
    ),
    "analysis.starts_after_end": (
        "时间段的开始日期（{start}）晚于结束日期（{end}）",
        "the period starts ({start}) after it ends ({end})",
    ),
    "analysis.too_long": (
        "时间段长 {days} 天，最多只能选 {most} 天",
        "the period is {days} days long; choose at most {most} days",
    ),
    "analysis.no_baseline": (
        "异常判断至少需要一周的基准数据",
        "the anomaly rule needs at least one baseline week",
    ),
    "analysis.negative_counts": ("数量不能为负数", "counts cannot be negative"),
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


def message(code: str, /, **params: Any) -> Message:
    if code not in CATALOGUE:
        raise KeyError(f"message {code!r} is not in the catalogue")
    return Message(code, params)
