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
    "rankings.not_publisher": (
        "月度排名由市级领导或市级管理员公布",
        "rankings are published by a city-level leader or admin",
    ),
    "rankings.not_ended": (
        "{month} 尚未结束（今天属于 {current}），月份结束后才能公布",
        "{month} has not ended yet (today is in {current}); a month is published once it is over",
    ),
    "rankings.needs_reason": (
        "{month} 的{kind_zh}排名已公布（第 {version} 版），再次公布即为更正：请写明更正原因",
        "the {kind} ranking of {month} is already published (version {version}); "
        "publishing it again is a correction: give the reason",
    ),
    "rankings.reason_long": (
        "原因太长（最多 {limit} 个字）",
        "the reason is too long (at most {limit} characters)",
    ),
    "rankings.published_meanwhile": (
        "{month} 的{kind_zh}排名刚刚被他人同时公布，请刷新后查看",
        "someone published {month} {kind} at the same moment; reload and check",
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
    # components (部件) and their census (部件普查)
    "component.bad_code": (
        "部件标识码“{code}”应为 16 位数字（6 位区县 + 2 位大类 + 2 位小类 + 6 位流水号）"
        "或 17 位数字（GB/T 47678：6 + 2 + 3 + 6）",
        "component code {code!r} must be 16 digits (6 district + 2 major + 2 minor + 6 sequence) "
        "or 17 digits (GB/T 47678: 6 + 2 + 3 + 6)",
    ),
    "component.bad_district": (
        "部件标识码 {code}：{district} 不是区县代码",
        "component code {code}: {district} is not a district code",
    ),
    "component.bad_class": (
        "部件标识码 {code}：{cls} 不是部件类型代码（大类和小类都从 01 开始）",
        "component code {code}: {cls} is not a class code (major and minor from 01)",
    ),
    "component.zero_sequence": (
        "部件标识码 {code}：流水号从 000001 开始",
        "component code {code}: the sequence starts at 000001",
    ),
    "component.sequence_range": (
        "部件流水号 {seq} 超出 1 到 999999 的范围",
        "component sequence {seq} out of 1..999999",
    ),
    "component.unknown_state": (
        "部件状态“{value}”不是{labels}之一",
        "component state {value!r} is not one of {labels} ({states})",
    ),
    "component.not_a_date": (
        "{field_zh}“{value}”不是日期（请写成 YYYYMMDD）",
        "{field} {value!r} is not a date (YYYYMMDD)",
    ),
    "component.radius": ("查找半径应在 0 到 {most} 米之间", "radius must be between 0 and {most} metres"),
    "component.census_columns": (
        "普查文件缺少以下列：{missing_zh}（列名按 GB/T 47678.5 写，如 管理部件标识码 / GLBJBSM，"
        "或用英文：code, name, owner_name, state, initial_date, lon, lat）",
        "the census file lacks the column(s) {missing} (named as GB/T 47678.5 does, e.g. 管理部件标识码 / "
        "GLBJBSM, or in English: code, name, owner_name, state, initial_date, lon, lat)",
    ),
    "component.field_empty": ("{field_zh}为空", "{field} is empty"),
    "component.class_differs": (
        "部件类型代码 {declared} 与标识码中的类型 {cls} 不一致",
        "class_code {declared} differs from the code's class {cls}",
    ),
    "component.field_too_long": ("{field_zh}超过 {most} 个字", "{field} is longer than {most} characters"),
    "component.changed_before_initial": (
        "变更日期 {changed} 早于初始日期 {initial}",
        "change_date {changed} is before initial_date {initial}",
    ),
    "component.bad_credit_code": ("{field_zh}“{value}”有误：{reason}", "{field} {value!r}: {reason}"),
    "component.not_wkt": ("几何“{text}”不是 WKT 格式", "geometry {text!r} is not WKT"),
    "component.empty_geometry": ("几何为空", "geometry is empty"),
    "component.geometry_type": (
        "部件应为点、线或面，而不是 {type}",
        "a component is a point, a line or an area, not a {type}",
    ),
    "component.no_point": (
        "缺少位置（经度和纬度，或几何）",
        "the point is missing (lon and lat, or a geometry)",
    ),
    "component.lonlat_not_numbers": (
        "经纬度“{lon}”“{lat}”不是数字",
        "lon/lat {lon!r}, {lat!r} are not numbers",
    ),
    "component.not_lonlat": (
        "（{lon}, {lat}）不是以度为单位的经纬度",
        "({lon}, {lat}) is not a longitude/latitude in degrees",
    ),
    # the social base data (人地事物组织)
    "registry.unknown_choice": (
        "没有“{value}”这个{what_zh}；可选：{choices_zh}",
        "unknown {what} {value!r}; choose one of: {choices}",
    ),
    "registry.id_form": (
        "身份证号应为 18 位：17 位数字加 1 位校验码（数字或 X）",
        "an ID number (身份证号) has 17 digits and a check digit or X (18 characters)",
    ),
    "registry.id_region": (
        "身份证号的地区码 {region} 不是 GB/T 2260 代码",
        "the ID number's region code {region} is not a GB/T 2260 code",
    ),
    "registry.id_birth_not_a_day": (
        "身份证号中的出生日期 {born} 不是真实的日期",
        "the ID number's birth date {born} is not a real day",
    ),
    "registry.id_birth_range": (
        "身份证号中的出生日期 {born} 超出范围",
        "the ID number's birth date {born} is out of range",
    ),
    "registry.id_check": (
        "身份证号的校验码不对：有字符输错了",
        "the ID number's check digit is wrong: a character was mistyped",
    ),
    "registry.uscc_form": (
        "统一社会信用代码应为 18 位：数字和大写字母（不含 I、O、Z、S、V）",
        "a unified social credit code (统一社会信用代码) has 18 characters: digits and capital letters "
        "except I, O, Z, S, V",
    ),
    "registry.uscc_region": (
        "统一社会信用代码的地区码 {region} 不是 6 位数字",
        "the credit code's region part {region} is not a 6-digit code",
    ),
    "registry.uscc_check": (
        "统一社会信用代码的校验码不对：有字符输错了",
        "the credit code's check character is wrong: a character was mistyped",
    ),
    "registry.not_a_phone": (
        "“{text}”不是电话号码：手机号为 11 位，固定电话以区号开头",
        "{text!r} is not a phone number: a mobile has 11 digits, a landline starts with its area code",
    ),
    "registry.reason_too_short": (
        "请说明查看个人信息明文的原因（至少 {least} 个字），查看记录会连同原因一起留存",
        "say why you need the personal data in clear (reason, at least {least} characters); "
        "the read is logged with it",
    ),
    "registry.reason_too_long": ("原因不能超过 {most} 个字", "the reason is longer than {most} characters"),
    # assessment (考核评价)
    "assessment.unknown_scope": (
        "没有“{kind}”这种考核对象：可选 region（区域）、department（部门）或 post（岗位）",
        "unknown kind {kind!r}: use region, department or post",
    ),
    "assessment.unknown_region_level": (
        "没有“{level}”这个区域层级：可选 {levels}",
        "unknown region level {level!r}: use {levels}",
    ),
    "assessment.department_level": (
        "部门考核不分层级（不能是“{level}”）：请不要填写层级",
        "departments have no level {level!r}: leave level out",
    ),
    "assessment.unknown_post": ("没有“{post}”这个岗位：可选 {posts}", "unknown post {post!r}: use {posts}"),
    "assessment.not_a_month": (
        "“{text}”不是月份（请写成 YYYY-MM，例如 2026-11）",
        "not a month: {text!r} (write it as YYYY-MM, e.g. 2026-11)",
    ),
    "assessment.period_backwards": (
        "时间段的结束日（{end}）不晚于开始日（{first}）；“至”是不包含在内的第一天",
        "the period ends ({end}) before or when it starts ({first}); 'to' is the first day not included",
    ),
    "assessment.period_or_range": (
        "请填写考核期或起止日期，不能两者都填",
        "give either a period or from/to, not both",
    ),
    "assessment.range_needs_both": (
        "请同时填写起止日期（YYYY-MM-DD；不含结束日）",
        "give both from and to (YYYY-MM-DD; 'to' is not included)",
    ),
    "assessment.no_period": (
        "请指定考核期：period=YYYY-MM，或以 YYYY-MM-DD 填写起止日期",
        "say which period: period=YYYY-MM, or from/to as YYYY-MM-DD",
    ),
    "assessment.not_a_day": (
        "“{text}”不是日期（请写成 YYYY-MM-DD）",
        "not a day: {text!r} (write it as YYYY-MM-DD)",
    ),
    "assessment.config_unreadable": (
        "考核配置 {source}：无法读取（{error}）",
        "assessment configuration {source}: cannot read it ({error})",
    ),
    "assessment.config_not_toml": (
        "考核配置 {source}：不是有效的 TOML（{error}）",
        "assessment configuration {source}: not valid TOML ({error})",
    ),
    "assessment.config_problem": (
        "考核配置 {source}：{at}：{reason}",
        "assessment configuration {source}: {at}: {reason}",
    ),
    "assessment.unknown_section": (
        "没有这一节；可用的节：{sections}",
        "unknown section; sections: {sections}",
    ),
    "assessment.grades_missing": (
        "请填写每个等级的最低分，例如 A = 90, B = 75, C = 60, D = 40",
        "give the lowest score of each grade, e.g. A = 90, B = 75, C = 60, D = 40",
    ),
    "assessment.grade_range": (
        "等级的最低分应在 0（不含）到 100 之间，而不是 {value}",
        "a grade's lowest score lies in (0, 100], not {value}",
    ),
    "assessment.grades_order": (
        "等级应从高到低排列、分数依次下降：{b}（{sb}）≥ {a}（{sa}）",
        "grades go from best to worst with falling scores: {b} ({sb}) ≥ {a} ({sa})",
    ),
    "assessment.channels_missing": (
        '请列出公众渠道，例如 ["citizen", "hotline", "media"]',
        'list the public channels, e.g. ["citizen", "hotline", "media"]',
    ),
    "assessment.unknown_channel": (
        "没有“{channel}”这个渠道；可选：{channels}",
        "unknown channel {channel!r}; channels: {channels}",
    ),
    "assessment.stars": ("应为 1 到 4 之间的整数星级", "a whole number of stars from 1 to 4"),
    "assessment.section_missing": ("缺少这一节（至少要有权重）", "missing section (its weights at least)"),
    "assessment.unknown_key": ("没有这一项；此处可用：{keys}", "unknown key; keys here: {keys}"),
    "assessment.hotline_keys": (
        '此处只有 respond_within 一项，例如 respond_within = "2 hours"',
        'the only key here is respond_within, e.g. respond_within = "2 hours"',
    ),
    "assessment.limit_missing": ('缺少此项，例如 "10 minutes"', 'missing, e.g. "10 minutes"'),
    "assessment.limit_calendar": (
        "应为大于零的自然时间，以分钟或小时计",
        "a calendar time greater than zero, in minutes or hours",
    ),
    "assessment.peer_groups_form": (
        "同类组请写成 [[peer_group]] 条目，包含名称和区县",
        "write peer groups as [[peer_group]] entries with name and districts",
    ),
    "assessment.peer_group_entry": (
        "每个同类组都要有名称和区县代码列表",
        "each peer group has a name and a list of district codes",
    ),
    "assessment.peer_district_code": (
        "{code!r} 不是 6 位区县代码",
        "{code!r} is not a 6-digit district code",
    ),
    "assessment.peer_district_twice": (
        "区县 {code} 已在同类组“{group}”中",
        "district {code} is already in group {group}",
    ),
    "assessment.not_a_number": ("应为数字，而不是 {value!r}", "a number, not {value!r}"),
    "assessment.weights_missing": (
        "请填写权重，例如 {{ {example} = 100 }}",
        "give the weights, e.g. {{ {example} = 100 }}",
    ),
    "assessment.not_an_indicator": (
        "不是 {composite} 的指标；可用指标：{indicators}",
        "not an indicator of {composite}; indicators: {indicators}",
    ),
    "assessment.negative_weight": ("权重不能为负数", "a weight cannot be negative"),
    "assessment.weights_sum": (
        "权重合计为 {total}，而不是 100（{shown}）",
        "the weights sum to {total}, not 100 ({shown})",
    ),
    "assessment.bands_form": (
        "分档请写成 bands.<指标> = [{{ at_least = 0, score = 0 }}, …]",
        "write bands as bands.<indicator> = [{{ at_least = 0, score = 0 }}, …]",
    ),
    "assessment.count_needs_bands": (
        "{indicator} 是计数指标：请给出分档才能计分",
        "{indicator} is a count: give its bands to score it",
    ),
    "assessment.bands_list": (
        "应为分档列表，例如 [{{ {direction} = 0, score = 0 }}, …]",
        "a list of bands, e.g. [{{ {direction} = 0, score = 0 }}, …]",
    ),
    "assessment.band_entry": (
        "每一档写成 {{ {direction} = …, score = … }}",
        "each band is {{ {direction} = …, score = … }}",
    ),
    "assessment.band_direction": (
        "每一档写成 {{ {direction} = …, score = … }}"
        "（{indicator} {better_zh}：请写 {direction}，不是 {other}）",
        "each band is {{ {direction} = …, score = … }} "
        "({indicator} is better when {better}: write {direction}, not {other})",
    ),
    "assessment.score_range": ("分数应在 0–100 之间，而不是 {value}", "a score lies in 0–100, not {value}"),
    "assessment.negative_threshold": ("分档界限不能为负数", "a threshold cannot be negative"),
    "assessment.thresholds_order": (
        "分档界限必须递增：{later} 排在 {earlier} 之后",
        "thresholds must be ascending: {later} after {earlier}",
    ),
    "assessment.scores_fall": (
        "{indicator} 越高，得分不能越低：{later} 排在 {earlier} 之后",
        "a higher {indicator} cannot score less: {later} after {earlier}",
    ),
    "assessment.scores_rise": (
        "{indicator} 越高，得分不能越高：{later} 排在 {earlier} 之后",
        "a higher {indicator} cannot score more: {later} after {earlier}",
    ),
    "assessment.first_band": (
        "第一档从 at_least = 0 开始，这样每个数值都有得分",
        "the first band starts at_least = 0, so that every value has a score",
    ),
    "assessment.last_band": (
        "最后一档为 at_most = 100，这样每个比率都有得分",
        "the last band is at_most = 100, so that every rate has a score",
    ),
    # callbacks (回访)
    "callback.bad_verdict": (
        "回访结果只能是 satisfied（满意）、basically_satisfied（基本满意）"
        "或 dissatisfied（不满意），不是 {text!r}",
        "the callback verdict is satisfied, basically_satisfied or dissatisfied, not {text!r}",
    ),
    "callback.no_verdict": (
        "回访结果只能是 satisfied（满意）、basically_satisfied（基本满意）或 dissatisfied（不满意）：请填写",
        "the callback verdict is satisfied, basically_satisfied or dissatisfied: fill it in",
    ),
    "callback.no_solved": (
        "回访请填写诉求人是否认为问题已解决：true（已解决）或 false（未解决）",
        "say whether the caller considers the problem solved: true (solved) or false (not solved)",
    ),
    # photo evidence (现场照片)
    "evidence.photo_required": (
        "{action_zh}需要至少一张现场照片：请拍摄或上传照片后再提交",
        "{action} ({action_zh}) needs at least one photo of the scene: take or upload one, then submit",
    ),
    # the case workflow, system steps
    "workflow.system_cannot": (
        "案件当前为“{state_zh}”，系统不能“{action_zh}”",
        "the system cannot '{action}' ({action_zh}) a case that is '{state}' ({state_zh})",
    ),
    # GeoJSON files (网格、区划边界文件)
    "geojson.not_collection": (
        "GeoJSON 必须是 FeatureCollection，而不是 {kind!r}",
        "GeoJSON must be a FeatureCollection, got {kind!r}",
    ),
    "geojson.no_features": (
        "GeoJSON FeatureCollection 中没有“features”列表",
        "GeoJSON FeatureCollection has no 'features' list",
    ),
    "geojson.not_json": (
        "GeoJSON 不是有效的 JSON：第 {line} 行第 {column} 列 {error}",
        "GeoJSON is not valid JSON: {error} at line {line} column {column}",
    ),
    "geojson.unreadable": (
        "无法读取 GeoJSON 文件 {file}：{error}",
        "cannot read GeoJSON file {file}: {error}",
    ),
    "geojson.not_unicode": (
        "GeoJSON {file} 不是 UTF-8 文本（RFC 7946 要求 UTF-8）",
        "GeoJSON {file} is not UTF-8 text (RFC 7946 requires UTF-8)",
    ),
    "geojson.file_not_json": (
        "GeoJSON 文件 {file} 不是有效的 JSON：第 {line} 行第 {column} 列 {error}",
        "GeoJSON file {file} is not valid JSON: {error} at line {line} column {column}",
    ),
    "geojson.not_feature": (
        "第 {number} 个要素：不是 GeoJSON Feature 对象",
        "feature {index}: not a GeoJSON Feature object",
    ),
    "geojson.bad_properties": (
        "第 {number} 个要素：properties 必须是对象",
        "feature {index}: 'properties' must be an object",
    ),
    "geojson.no_geometry": ("第 {number} 个要素：没有几何", "feature {index}: has no geometry"),
    "geojson.wrong_type": (
        "第 {number} 个要素：几何类型为 {kind}，应为 {expected_zh}",
        "feature {index}: geometry is a {kind}, expected {expected}",
    ),
    "geojson.malformed": (
        "第 {number} 个要素：{kind} 几何格式有误：{error}",
        "feature {index}: malformed {kind} geometry: {error}",
    ),
    "geojson.empty": ("第 {number} 个要素：几何为空", "feature {index}: geometry is empty"),
    "geojson.not_finite": (
        "第 {number} 个要素：坐标中有 NaN 或无穷大",
        "feature {index}: coordinates contain NaN or infinity",
    ),
    "geojson.projected": (
        "第 {number} 个要素：坐标（{x}, {y}）不是 WGS84 经纬度；文件似乎是投影坐标（米），"
        "请先转换为 EPSG:4326 再导入",
        "feature {index}: coordinate ({x}, {y}) is not a WGS84 longitude/latitude; the file looks projected "
        "(metres) — reproject it to EPSG:4326 before loading",
    ),
    "geojson.repair_changes_area": (
        "第 {number} 个要素：多边形无效（{reason}）；修复会使面积改变 {change}，超过 {most}，请手工修正",
        "feature {index}: invalid polygon ({reason}); repairing it would change its area by {change}, "
        "more than {most}, so it must be fixed by hand",
    ),
    "geojson.repair_unknown_area": (
        "第 {number} 个要素：多边形无效（{reason}）；修复后面积的变化无法确定（超过 {most}），请手工修正",
        "feature {index}: invalid polygon ({reason}); repairing it would change its area by "
        "an unknown amount, more than {most}, so it must be fixed by hand",
    ),
    "geojson.repair_type": (
        "第 {number} 个要素：多边形无效（{reason}）；修复后变成了 {kind}",
        "feature {index}: invalid polygon ({reason}); the repair is a {kind}",
    ),
    # generating grids (划分网格)
    "gridgen.seq_digits": (
        "序号位数至少为 1，而不是 {digits}",
        "seq_digits must be at least 1, got {digits}",
    ),
    "gridgen.target_area": (
        "目标网格面积应为正数（平方米），而不是 {area!r}",
        "target grid area must be a positive number of m², got {area!r}",
    ),
    "gridgen.not_polygon": (
        "只能在 Polygon 或 MultiPolygon 范围内划分网格，而不是 {kind}",
        "grids can only be generated inside a Polygon or MultiPolygon, got {kind}",
    ),
    "gridgen.bad_polygon": (
        "不能在空的或无效的多边形（{kind}）内划分网格",
        "cannot generate grids inside an empty or invalid polygon ({kind})",
    ),
    # mappings of cases imported from another system (案件导入映射)
    "mapping.not_toml": ("映射文件不是有效的 TOML：{error}", "the mapping is not valid TOML: {error}"),
    "mapping.problems": ("映射文件有问题：{problems}", "the mapping has problems: {problems}"),
    "mapping.section_missing": ("缺少“{section}”一节", "the {section!r} section is missing"),
    "mapping.not_section": ("“{section}”应为一节（TOML 表）", "{section!r} must be a section (a TOML table)"),
    "mapping.key_missing": ("缺少 {at}", "{at} is missing"),
    "mapping.not_text": ("{at} 应为非空文本", "{at} must be a non-empty string"),
    "mapping.unknown_section": (
        "没有“{section}”这一节；可用的节：{sections}",
        "unknown section {section!r}; sections: {sections}",
    ),
    "mapping.source_name": (
        "source.name 不能含“:”，且最多 30 个字",
        "source.name has no ':' and is at most 30 characters",
    ),
    "mapping.unknown_channel": (
        "source.channel“{channel}”不是上报渠道；可选：{channels}",
        "source.channel {channel!r} is not a channel; channels: {channels}",
    ),
    "mapping.unknown_zone": (
        "time.timezone“{zone}”不是时区（例如 Asia/Shanghai）",
        "time.timezone {zone!r} is not a timezone (e.g. Asia/Shanghai)",
    ),
    "mapping.time_format": (
        "time.format“{format}”既不是 iso，也不是 strptime 格式",
        "time.format {format!r} is neither 'iso' nor a strptime format",
    ),
    "mapping.lon_lat_together": (
        "location.lon 和 location.lat 要一起填写",
        "location.lon and location.lat go together",
    ),
    "mapping.no_location": (
        "location 一节需要经度和纬度列，或地址列",
        "the location section needs lon and lat columns, or an address column",
    ),
    "mapping.unknown_crs": (
        "不支持坐标系 location.crs“{crs}”；请用 {crses_zh}",
        "location.crs {crs!r} is not supported; use {crses}",
    ),
    "mapping.description_columns": (
        "description.columns 应为列名列表",
        "description.columns must be a list of column names",
    ),
    "mapping.unknown_status": (
        "{at}：“{value}”不是 {targets} 之一",
        "{at}: {value!r} is not one of {targets}",
    ),
    "mapping.closed_needs_time": (
        "有已结案状态时需要 time.closed：结案时间所在的列",
        "closed statuses need time.closed: the column with the close time",
    ),
    "mapping.not_department": (
        "department.map.{key!r} 应为部门代码",
        "department.map.{key!r} must be a department code",
    ),
    "mapping.table_missing": ("缺少“{at}”表", "the '{at}' table is missing"),
    "mapping.not_table": ("{at} 应为一个表", "{at} must be a table"),
    "mapping.table_empty": ("“{at}”表是空的", "the '{at}' table is empty"),
    "mapping.class_keys": ("class.map.{key!r}：没有这些键：{keys}", "class.map.{key!r}: unknown keys {keys}"),
    "mapping.class_kind": (
        "class.map.{key!r}：kind 只能是 component（部件）或 event（事件）",
        "class.map.{key!r}: kind is component or event",
    ),
    "mapping.class_target": (
        "class.map.{key!r} 应为类别代码或 {{ code = …, standard = …, kind = … }}",
        "class.map.{key!r} must be a class code or {{ code = …, standard = …, kind = … }}",
    ),
    "mapping.places_table": (
        "location.places 应为“地址 = 经度, 纬度”组成的表",
        "location.places must be a table of address = a pair of lon, lat",
    ),
    "mapping.place_point": (
        "location.places.{address!r} 应为一对经纬度（例如 116.40, 39.91）",
        "location.places.{address!r} must be a pair of lon, lat (e.g. 116.40, 39.91)",
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
    "registry.no_grid": ("没有现行的{layer_zh} {grid_code!r}", "no current {layer} grid {grid_code!r}"),
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
    "registry.place_exists": ("已登记为地点 {same}", "registered already as place {same}"),
    "registry.house_required": ("请填写所住房屋（place_id）", "place_id (the house) is required"),
    "registry.bad_birth_date": (
        "出生日期 birth_date {born!r} 不是日期（YYYY-MM-DD）",
        "birth_date {born!r} is not a date (YYYY-MM-DD)",
    ),
    "registry.unknown_kind": (
        "未知的登记类型 {kind!r}；可选：{kinds}",
        "unknown registry kind {kind!r}; kinds: {kinds}",
    ),
    "user.not_found": ("找不到用户 {username!r}", "no user {username!r}"),
    "user.bad_username": ("用户名为 1 至 80 个字符", "a username is 1 to 80 characters"),
    "user.unknown_role": ("未知的角色 {role!r}；可选：{roles}", "unknown role {role!r}; roles: {roles}"),
    "user.no_unit": ("没有编码为 {unit_code!r} 的组织单位", "no organisation unit with code {unit_code!r}"),
    "user.role_unit_mismatch": (
        "{role_zh}应属于 {kinds} 类组织单位，不能属于 {unit_name}（{kind}）",
        "a {role} belongs to a unit of kind {kinds}, not to {unit_name} ({kind})",
    ),
    "user.exists": ("用户 {username!r} 已存在", "user {username!r} exists already"),
    "user.sign_in_failed": ("用户名或密码错误", "wrong username or password"),
    "user.token_expired": (
        "登录凭证无效或已过期，请重新登录",
        "the token is unknown or expired; sign in again",
    ),
    "user.disabled": ("该账号已停用", "this account is disabled"),
    "user.admin_only": ("只有平台管理员可以进行此操作", "only a platform admin (管理员) may do this"),
    "user.unit_outside_area": (
        "{unit_name}（{unit_code}）不在您的辖区 {org_unit_name} 内：只有其上级平台的管理员可以修改",
        "{unit_name} ({unit_code}) lies outside your area {org_unit_name}: only an admin of a platform "
        "above it may change it",
    ),
    "user.long_display_name": ("显示名称最多 120 个字符", "a display name has at most 120 characters"),
    "user.no_user_id": ("找不到编号为 {user_id} 的用户", "no user with id {user_id}"),
    "user.account_outside_area": (
        "{display_name}（{username}）属于 {org_unit_name}，不在您的辖区 {admin_unit_name} "
        "内：只有其上级平台的管理员可以修改该账号",
        "{display_name} ({username}) belongs to {org_unit_name}, outside your area {admin_unit_name}: only "
        "an admin of a platform above it may change this account",
    ),
    "user.own_role": (
        "不能修改自己的角色或所属单位，请由其他管理员办理",
        "you cannot change your own role or unit; ask another admin",
    ),
    "user.bad_display_name": ("显示名称为 1 至 120 个字符", "a display name is 1 to 120 characters"),
    "user.own_account": ("不能停用自己的账号", "you cannot deactivate your own account"),
    # the second factor of staff (TOTP, services.second_factor)
    "totp.code_required": (
        "该账号登录需要动态验证码：请输入验证器应用中的 6 位验证码或一个恢复码",
        "this account signs in with a second factor: give the 6-digit code of its authenticator "
        "app or a recovery code",
    ),
    "totp.code_required_api": (
        "该账号登录需要动态验证码：请在表单字段 otp 中提供验证器应用中的 6 位验证码或一个恢复码",
        "this account signs in with a second factor: give the 6-digit code of its authenticator "
        "app or a recovery code in the form field otp",
    ),
    "totp.wrong_code": ("验证码错误或已过期", "wrong or expired code"),
    "totp.code_used": (
        "该验证码已使用过，请等待验证器显示下一个验证码",
        "this code was used already: wait for the next one your authenticator app shows",
    ),
    "totp.locked": (
        "验证码连续错误 {count} 次，请 {minutes} 分钟后再试",
        "{count} wrong codes in a row: try again in {minutes} minutes",
    ),
    "totp.enrol_on_pages": (
        "{role_zh}须使用双因素认证登录：请先在网页上登录并绑定验证器应用，再获取令牌",
        "the role {role} ({role_zh}) signs in with a second factor: sign in on the pages first and "
        "set up an authenticator app there, then ask for a token",
    ),
    "totp.not_enrolled": ("尚未启用双因素认证", "no second factor is set up"),
    "totp.already_enrolled": ("双因素认证已启用", "a second factor is set up already"),
    "totp.required_by_policy": (
        "{role_zh}须使用双因素认证，不能关闭",
        "the role {role} ({role_zh}) must sign in with a second factor: it cannot be turned off",
    ),
    "totp.sign_in_expired": (
        "登录已超时，请重新输入用户名和密码",
        "the sign-in has expired: enter your username and password again",
    ),
    "class.not_in_catalogue": (
        "案件类别目录中没有类别 {class_code!r}",
        "no case class {class_code!r} in the catalogue",
    ),
    "class.no_network_class": ("{network} 网络中没有类别", "no class of the {network} network"),
    "class.nothing_to_change": (
        '没有要修改的内容：请发送要编辑的字段，例如 {{"limits": {{"dispose": "3 work_hours"}}}}',
        'nothing to change: send the fields to edit, e.g. {{"limits": {{"dispose": "3 work_hours"}}}}',
    ),
    "class.admin_only": ("只有平台管理员可以修改类别", "only a platform admin (管理员) may change a class"),
    "class.citywide": (
        "类别的 {citywide} 适用于全市：只有市级平台管理员可以修改；作为 {org_unit_name} "
        "的管理员，您可以设定本辖区内的权属单位",
        "{citywide} of a class apply to the whole city: only the city platform's admin may change them; as "
        "the admin of {org_unit_name} you set the owner within your area",
    ),
    "class.owner_outside_area": (
        "{outside} 不在您的辖区 {org_unit_name}（{scope}）内：只有其上级平台的管理员可以设定权属单位",
        "{outside} lies outside your area {org_unit_name} ({scope}): only an admin of a platform above it "
        "may set its owner",
    ),
    "class.owner_elsewhere": (
        "{department} 服务于 {serves}，不是 {area}：请指定本辖区的部门或市级单位",
        "{department} serves {serves}, not {area}: name a department of your area or a city unit",
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
    "noun.whole_city": ("全市", "the whole city"),
    "noun.integration": ("对接系统", "an integration"),
    "noun.georeport_client": ("Open311 客户端", "an Open311 client"),
    "georeport.no_territory": (
        "本市尚未导入行政区划和网格：请先导入，再登记 Open311 客户端",
        "the city has no territory yet: import it before registering Open311 clients",
    ),
    "georeport.client_exists": (
        "名为 {system_name!r} 的 Open311 客户端已存在",
        "an Open311 client named {system_name!r} exists already",
    ),
    "georeport.no_client": ("没有名为 {name!r} 的 Open311 客户端", "no Open311 client named {name!r}"),
    "georeport.key_required": (
        "需要 api_key：请向平台管理员申请",
        "an api_key is required: ask the platform's administrator for one",
    ),
    "georeport.key_invalid": ("api_key 无效", "the api_key is not valid"),
    "georeport.key_revoked": ("api_key 已被吊销", "the api_key was revoked"),
    "georeport.unknown_jurisdiction": (
        "未知的 jurisdiction_id {jurisdiction_id!r}：本服务器服务于 {city_code} {city_name}（也可不填 "
        "jurisdiction_id）",
        "unknown jurisdiction_id {jurisdiction_id!r}: this server serves {city_code} {city_name} (or leave "
        "jurisdiction_id out)",
    ),
    "georeport.unknown_service": (
        "未知的 service_code {service_code!r}：GET services.xml 可列出全部服务",
        "unknown service_code {service_code!r}: GET services.xml lists them",
    ),
    "georeport.not_an_attribute": (
        "{key!r} 不是属性参数：请写成 attribute[code]=value",
        "{key!r} is not an attribute parameter: write attribute[code]=value",
    ),
    "georeport.unknown_attribute": (
        "未知的属性 {attribute!r}：该服务询问的是 {asked}",
        "unknown attribute {attribute!r}: this service asks {asked}",
    ),
    "georeport.attribute_required": (
        "请填写 attribute[{a_code}]：{description}",
        "attribute[{a_code}] is required: {description}",
    ),
    "georeport.list_as_string": (
        "{where}：多个值被当作一个字符串发送（{v}）；请把每个值作为单独的参数发送：{where}[]=a&{where}[]=b（"
        "可选值：{keys}）",
        "{where}: a list was sent as one string ({v}); send each value as its own parameter: "
        "{where}[]=a&{where}[]=b (values: {keys})",
    ),
    "georeport.not_a_choice": ("{where}：{v!r} 不是 {keys} 之一", "{where}: {v!r} is not one of {keys}"),
    "georeport.one_value": (
        "{where} 只能有一个值，不能有 {values} 个",
        "{where} takes one value, not {values}",
    ),
    "georeport.one_value_list": (
        "{where}：多个值被当作一个字符串发送（{value}）；该问题只能取一个值：{keys}",
        "{where}: a list was sent as one string ({value}); this question takes one value of: {keys}",
    ),
    "georeport.not_a_number": ("{where}：{value!r} 不是数字", "{where}: {value!r} is not a number"),
    "georeport.too_long": ("{where} 不能超过 {limit} 个字符", "{where} is longer than {limit} characters"),
    "georeport.bad_coordinate": (
        "{name} {text!r} 不是 WGS84 坐标（{x_zh}）",
        "{name} {text!r} is not a WGS84 {x}",
    ),
    "georeport.bad_address_id": (
        "address_id {address_id!r} 不是本市的单元网格编码：请提供 lat 和 long",
        "address_id {address_id!r} is not a unit grid code (单元网格编码) of the city: give lat and long",
    ),
    "georeport.service_code_required": (
        "请填写 service_code：GET services.xml 可列出全部服务",
        "service_code is required: GET services.xml lists them",
    ),
    "georeport.both_coordinates": ("请同时提供 lat 和 long", "give both lat and long"),
    "georeport.address_needs_point": (
        "本服务器不能仅凭 address_string 定位：请同时提供 lat 和 long（WGS84），或提供单元网格编码作为 "
        "address_id",
        "this server cannot locate an address_string by itself: give lat and long (WGS84) too, or an "
        "address_id that is a unit grid code",
    ),
    "georeport.location_required": (
        "请提供位置：lat 和 long（WGS84），或 address_id（单元网格编码）",
        "give the location: lat and long (WGS84), or an address_id (a unit grid code)",
    ),
    "georeport.outside_city": (
        "该点（lat {lat}，long {lon}）不在本市范围内",
        "the point (lat {lat}, long {lon}) lies outside the city's territory",
    ),
    "georeport.bad_media_url": (
        "media_url 必须是 http(s) 网址，且不超过 {limit} 个字符",
        "media_url must be an http(s) URL of at most {limit} characters",
    ),
    "georeport.name_too_long": (
        "first_name 和 last_name 合计不能超过 80 个字符",
        "first_name and last_name are longer than 80 characters together",
    ),
    "georeport.bad_phone": ("{phone!r} 不是电话号码", "phone {phone!r} is not a phone number"),
    "georeport.description_too_long": (
        "description 和 media_url 合计不能超过 {limit} 个字符",
        "description and media_url are longer than {limit} characters",
    ),
    "georeport.key_account_missing": (
        "该 api_key 对应的账号已不存在：请向管理员申请新的 api_key",
        "the api_key's account is missing: ask the administrator for a new key",
    ),
    "georeport.unknown_token": ("未知的 token {token!r}", "unknown token {token!r}"),
    "georeport.bad_datetime": (
        "{name} {text!r} 不是 ISO 8601 日期时间，例如 {example}",
        "{name} {text!r} is not an ISO 8601 datetime, e.g. {example}",
    ),
    "georeport.needs_timezone": (
        "{name} {text!r} 需要带时区，例如 2026-11-01T00:00:00+08:00",
        "{name} {text!r} needs a timezone, e.g. 2026-11-01T00:00:00+08:00",
    ),
    "georeport.year_out_of_range": (
        "{name} {text!r} 超出范围（年份须在 1900 至 2200 之间）",
        "{name} {text!r} is out of range (years 1900 to 2200)",
    ),
    "georeport.bad_boolean": (
        "{name} 只能是 true 或 false，不能是 {value!r}",
        "{name} is true or false, not {value!r}",
    ),
    "georeport.bad_whole_number": (
        "{name} 必须是 1 至 {high} 之间的整数，不能是 {text!r}",
        "{name} is a whole number from 1 to {high}, not {text!r}",
    ),
    "georeport.period_reversed": ("end_date 早于 start_date", "end_date is before start_date"),
    "georeport.period_too_long": (
        "start_date 至 end_date 不能超过 90 天",
        "start_date to end_date may not span more than 90 days",
    ),
    "georeport.bad_status": (
        "status 只能是 open、closed 或 open,closed，不能是 {text!r}",
        "status is open, closed or open,closed, not {text!r}",
    ),
    "georeport.no_such_service": ("service_code 未对应任何服务", "service_code names no service"),
    "georeport.bad_request_id": (
        "{part!r} 不是 service_request_id（案件编号，例如 2026111600000042）",
        "{part!r} is not a service_request_id (a case number like 2026111600000042)",
    ),
    "georeport.too_many_ids": (
        "一次最多查询 {limit} 个 service_request_id",
        "at most {limit} service_request_ids at once",
    ),
    "georeport.no_request": ("找不到服务请求 {number!r}", "no service request {number!r}"),
    "import.not_whole_number": (
        "{name} 必须是整数，不能是 {text!r}",
        "{name} must be a whole number, not {text!r}",
    ),
    "import.not_a_number": ("{name} 必须是数字，不能是 {text!r}", "{name} must be a number, not {text!r}"),
    "import.bad_header": (
        "{path}：无法读取 CSV 表头",
        "{path}: the header could not be read as a CSV header",
    ),
    "import.bad_csv": ("{path} 无法按 CSV 读取：{exc}", "{path} cannot be read as CSV: {exc}"),
    "import.no_mapping": ("找不到映射文件：{path}", "no such mapping file: {path}"),
    "import.mapping_not_text": ("映射文件 {path} 不是 UTF-8 文本", "the mapping {path} is not UTF-8 text"),
    "import.mapping_unfit": (
        "映射与本平台不符：{problems}",
        "the mapping does not fit this platform: {problems}",
    ),
    "import.no_location": ("{path}：没有一行有可用的位置", "{path}: no row has a usable location"),
    "import.no_file": ("找不到文件：{path}", "no such file: {path}"),
    "import.file_too_large": ("{path} 超过 {limit} GB：请拆分", "{path} is larger than {limit} GB: split it"),
    "import.json_shape": (
        "{path}：JSON 导入须为对象数组（或 {{'records': [...]}}）",
        "{path}: a JSON import is an array of objects (or {{'records': [...]}})",
    ),
    "import.empty_csv": (
        "{path}：CSV 文件为空（需要表头行）",
        "{path}: an empty CSV file (a header row is needed)",
    ),
    "import.not_text": (
        "{path} 不是 UTF-8 文本：请另存为 UTF-8（GBK 文件：iconv -f GBK -t UTF-8）",
        "{path} is not UTF-8 text: save it as UTF-8 (GBK files: iconv -f GBK -t UTF-8)",
    ),
    "import.bad_json": ("{path} 不是有效的 JSON：{exc}", "{path} is not valid JSON: {exc}"),
    "import.geojson_shape": (
        "{path}：GeoJSON 导入须为 FeatureCollection",
        "{path}: a GeoJSON import is a FeatureCollection",
    ),
    "personal_key.malformed": (
        '{where} 中的个人信息密钥不是 base64 编码的 32 字节（可用以下命令生成：python -c "import '
        'os,base64;print(base64.b64encode(os.urandom(32)).decode())"）',
        'the personal-data key in {where} is not 32 bytes in base64 (make one with: python -c "import '
        'os,base64;print(base64.b64encode(os.urandom(32)).decode())")',
    ),
    "personal_key.bad_format": (
        "存储的 {field} 格式不正确",
        "a stored {field} is not in the expected format",
    ),
    "personal_key.other_key": (
        "存储的 {field} 是用另一个个人信息密钥加密的，不是当前配置的任何密钥（GRIDCITY_PERSONAL_DATA_KEY、"
        "GRIDCITY_PERSONAL_DATA_OLD_KEYS 或数据目录中的 personal-data.key）",
        "the stored {field} was encrypted with another personal-data key than the ones configured "
        "(GRIDCITY_PERSONAL_DATA_KEY, GRIDCITY_PERSONAL_DATA_OLD_KEYS or the data directory's "
        "personal-data.key)",
    ),
    "personal_key.altered": (
        "存储的 {field} 无法解密：数据已被篡改",
        "a stored {field} does not decrypt: it was altered",
    ),
    "territory.kind_clash": (
        "编码 {unit_code} 已属于{kind_zh}，不是{kind2_zh}",
        "code {unit_code} already belongs to a {kind}, not a {kind2}",
    ),
    "territory.street_without_district": (
        "第 {i} 个要素：街道 {street_code} 位于区 {district_code}，该区尚未导入",
        "feature {i}: street {street_code} lies in district {district_code}, which is not imported",
    ),
    "territory.missing_property": (
        "第 {index} 个要素：缺少属性 {names}",
        "feature {index}: missing property {names}",
    ),
    "territory.not_text": (
        "{source} 不是 UTF-8 文本：请将 CSV 另存为 UTF-8 编码",
        "{source} is not UTF-8 text; save the CSV as UTF-8",
    ),
    "territory.community_columns": (
        "社区 CSV 需要 code、name、longitude、latitude 四列",
        "the community CSV needs the columns code, name, longitude, latitude",
    ),
    "territory.unknown_layer": (
        "未知的网格层 {layer!r}；可选：{layers}",
        "unknown grid layer {layer!r}; layers: {layers}",
    ),
    "territory.target_area": ("网格的目标面积至少为 100 平方米", "a grid's target area is at least 100 m²"),
    "territory.no_parents": (
        "区 {district_codes} 中还没有{parent_kind_zh}边界：请先导入",
        "no {parent_kind} polygons in districts {district_codes}: import them first",
    ),
    "territory.parent_missing": (
        "第 {i} 个要素：网格 {grid_code} 属于{parent_kind_zh} {parent_code}，该{parent_kind_zh}尚未导入",
        "feature {i}: grid {grid_code} belongs to {parent_kind} {parent_code}, which is not imported",
    ),
    "territory.crosses_parent": (
        "第 {i} 个要素：网格 {grid_code} 越过了所属{parent_kind_zh} {parent_code} 的边界",
        "feature {i}: grid {grid_code} crosses the boundary of its {parent_kind} {parent_code}",
    ),
    "territory.duplicate_codes": (
        "{parent_code} 内有重复的网格编码",
        "duplicate grid codes inside {parent_code}",
    ),
    "territory.not_unit_grid_code": (
        "{grid_code} 不是单元网格编码（14 或 15 位数字）",
        "{grid_code} is not a unit grid code (14 or 15 digits)",
    ),
    "territory.bbox_form": (
        "bbox 应为 min_lon,min_lat,max_lon,max_lat，且 min < max",
        "bbox is min_lon,min_lat,max_lon,max_lat with min < max",
    ),
    "territory.no_grid": ("没有现行的{layer_zh} {grid_code}", "no current {layer} grid {grid_code}"),
    "territory.bad_level": (
        "层级只能是 district（区）、street（街道）或 community（社区）",
        "level is district, street or community",
    ),
    "territory.bad_parent": (
        "不是区、街道或社区编码：{parent!r}",
        "not a district, street or community code: {parent!r}",
    ),
    "territory.name_parent": (
        "请填写区（6 位）、街道（9 位）或社区（12 位）编码",
        "name a district (6 digits), street (9) or community (12) code",
    ),
    "territory.outside_area": (
        "{parent} 不在您的辖区（{scope}）内",
        "{parent} lies outside your area ({scope})",
    ),
    "territory.ps_per_street": (
        "治安网格按街道划分：请填写街道编码（9 位）",
        "public-security grids are cut per street: name the street (9 digits)",
    ),
    "territory.import_outside_area": (
        "第 {i} 个要素：网格 {grid_code} 位于 {parent}，不在您的辖区 "
        "{org_unit_name}（{scope}）内；未导入任何网格",
        "feature {i}: grid {grid_code} lies in {parent}, outside your area {org_unit_name} ({scope}); "
        "nothing was imported",
    ),
    "territory.import_admin_only": (
        "只有平台管理员可以导入网格",
        "only a platform admin (管理员) may import grids",
    ),
    "territory.outside_city": (
        "该点（{lon}, {lat}）不在本市范围内",
        "the point ({lon}, {lat}) lies outside the city's territory",
    ),
    "grid_file.empty": (
        "{filename} 是空文件：请选择网格的 GeoJSON 文件",
        "{filename} is empty: choose a GeoJSON file of grids",
    ),
    "grid_file.too_large": ("{filename} 超过 {limit} MB", "{filename} is larger than {limit} MB"),
    "grid_file.not_text": (
        "{filename} 不是 GeoJSON 文件（不是 UTF-8 文本）",
        "{filename} is not a GeoJSON file (not UTF-8 text)",
    ),
    "grid_file.bad_json": (
        "{filename} 不是有效的 GeoJSON 文件：第 {lineno} 行第 {colno} 列 {msg}",
        "{filename} is not a GeoJSON file: {msg} at line {lineno} column {colno}",
    ),
    "grid_file.not_collection": (
        "{filename} 不是 GeoJSON FeatureCollection",
        "{filename} is not a GeoJSON FeatureCollection",
    ),
    "grid_file.no_grids": (
        "{filename} 中没有网格（FeatureCollection 为空）",
        "{filename} has no grids (an empty FeatureCollection)",
    ),
    "case.unknown_channel": (
        "未知的来源渠道 {channel!r}；可选：{channels}",
        "unknown channel {channel!r}; channels: {channels}",
    ),
    "case.channel_not_yours": (
        "{role_zh}不能通过“{channel_zh}”渠道上报",
        "a {role} cannot report through the {channel} channel",
    ),
    "case.long_description": (
        "问题描述不能超过 {limit} 个字",
        "the description is longer than {limit} characters",
    ),
    "case.outside_territory": (
        "该位置不在您负责的区域内",
        "this point lies outside the territory you are responsible for",
    ),
    "case.key_used": (
        "上报标识 {key!r} 已被其他上报人使用",
        "the client key {key!r} was already used by another reporter",
    ),
    "case.bad_urgency": (
        "紧急程度 {urgency!r} 不是类别 {class_code} 的级别；可选：{urgency_levels}",
        "urgency {urgency!r} is not a level of class {class_code}; levels: {urgency_levels}",
    ),
    "case.not_a_supervisor": (
        "用户 {assignee_id} 不是在岗的监督员",
        "user {assignee_id} is not an active field supervisor",
    ),
    "case.supervisor_elsewhere": (
        "监督员 {display_name} 不负责巡查该案件所在区域",
        "supervisor {display_name} does not patrol this case's area",
    ),
    "case.other_network": (
        "类别 {class_code} 属于{network_zh}：请转交办理",
        "class {class_code} belongs to the {network} network: transfer the case instead",
    ),
    "case.no_department": (
        "该类别和位置没有建议的处置部门：请指定 department_id",
        "no department proposed for this class and place: name the department_id",
    ),
    "case.cooperating_is_responsible": (
        "主办部门不能同时是配合部门",
        "the responsible department cannot also be a cooperating one",
    ),
    "case.not_a_department": ("{department_id!r} 不是部门", "{department_id!r} is not a department"),
    "case.extension_length": (
        "请写明延期时长，例如“4 work_hours”或“2 work_days”",
        "say how long the extension is, e.g. '4 work_hours' or '2 work_days'",
    ),
    "case.extension_zero": ("延期时长必须大于零", "an extension must be longer than zero"),
    "case.self_handle_evidence": (
        "自行处置需要照片或处置说明",
        "self-handling needs a photo or a note of what was done",
    ),
    "case.reopen_too_late": (
        "案件只能在结案后 {days} 天内重新打开",
        "a case can be reopened only within {days} days of its closure",
    ),
    "case.empty_note": ("备注需要填写文字或附上附件", "a note needs some text or an attachment"),
    "case.unknown_role": ("未知的角色 {to_role!r}", "unknown role {to_role!r}"),
    "case.bulk_changed": (
        "{changed} 件（共 {total} 件）案件同时被他人修改，未做任何记录",
        "{changed} of {total} cases changed meanwhile; nothing recorded",
    ),
    "field.no_class": ("请选择问题类别", "choose the class of the problem"),
    "field.unknown_class": ("{ref!r} 不是类别目录中的类别", "{ref!r} is not a class of the catalogue"),
    "field.no_photo": ("请至少拍摄或选择一张照片", "take or choose at least one photo"),
    "field.too_many_photos": ("照片最多 {limit} 张", "at most {limit} photos"),
    "field.empty_photo": ("照片 {name!r} 是空文件", "{name!r} is empty"),
    "field.photo_too_large": (
        "照片 {name!r} 超过大小上限 {limit}",
        "{name!r} is larger than the limit of {limit}",
    ),
    "field.not_a_photo": (
        "{name!r} 不是 JPEG、PNG 或 WebP 照片",
        "{name!r} is not a JPEG, PNG or WebP photo",
    ),
    "field.no_position": (
        "请定位，或在地图上点选问题位置",
        "locate yourself or tap the map to give the point",
    ),
    "field.bad_position": (
        "({lon}, {lat}) 不是有效的经纬度",
        "({lon}, {lat}) is not a longitude and latitude",
    ),
    "field.long_client_key": (
        "上报标识不能超过 120 个字符",
        "the report's client key is longer than 120 characters",
    ),
    "field.outside_city": ("({lon}, {lat}) 不在本市范围内", "({lon}, {lat}) lies outside the city"),
    "field.outside_area": (
        "({lon}, {lat}) 不在您巡查的区域内",
        "({lon}, {lat}) lies outside the area you patrol",
    ),
    "field.supervisors_only": (
        "核实和核查任务由监督员办理",
        "verify and check tasks are a field supervisor's",
    ),
    "department.no_territory": (
        "请先导入行政区划（区和街道），再导入部门",
        "import the territory (districts and streets) before the departments",
    ),
    "department.districts_missing": ("以下区尚未导入：{missing}", "districts not imported: {missing}"),
    "department.bad_unit_code": (
        "不是有效的部门编码：{unit_code!r}（2 至 40 个字母、数字、“-”“_”或“.”，例如区级单位 110101-JD）",
        "not a department code: {unit_code!r} (2 to 40 letters, digits, '-', '_' or '.', e.g. 110101-JD for "
        "a district unit)",
    ),
    "department.name_length": ("部门名称为 1 至 200 个字符", "a department's name is 1 to 200 characters"),
    "department.bad_scope": (
        "部门服务于全市、一个区（6 位编码）或一个街道（9 位编码）",
        "a department serves the city, a district (6 digits) or a street (9 digits)",
    ),
    "department.outside_area": (
        "服务于{scope}的部门不在您的辖区 {org_unit_name} 内：只有其上级平台的管理员可以添加",
        "a department serving {scope} lies outside your area {org_unit_name}: only an admin of a platform "
        "above it may add it",
    ),
    "department.bad_networks": (
        "部门须属于以下网络中的一个或多个：{networks}",
        "a department works in one or more of the networks {networks}",
    ),
    "department.no_scope": (
        "没有编码为 {scope_code!r} 的区或街道",
        "no district or street with code {scope_code!r}",
    ),
    "department.code_prefix": (
        "{territory_name}的部门编码须以 {scope_code}- 开头",
        "a department of {territory_name} has a code starting with {scope_code}-",
    ),
    "department.code_taken": ("编码 {unit_code} 已被占用", "the code {unit_code} is taken already"),
    "department.catalogue_code": (
        "编码 {unit_code} 是部门目录中“{known_name}”的编码，请另选一个",
        "the code {unit_code} is the department catalogue's code of {known_name}; choose another",
    ),
    "department.not_found": ("找不到编号为 {unit_id} 的部门", "no department with id {unit_id}"),
    "department.no_department": (
        "没有编码为 {department!r} 的部门或企业",
        "no department or enterprise with code {department!r}",
    ),
    "component.batch_size": ("批量大小至少为 1", "the batch size is at least 1"),
    "component.bad_point": (
        "({lon}, {lat}) 不是以度为单位的经纬度",
        "({lon}, {lat}) is not a longitude/latitude in degrees",
    ),
    "component.page_size": ("page_size 为 1 至 {limit}", "page_size is 1 to {limit}"),
    "component.not_found": ("找不到部件 {component_code}", "no component {component_code}"),
    "component.not_a_component_class": (
        "{cls_code} {cls_name} 不是部件类问题：没有部件编码",
        "{cls_code} {cls_name} is not about a component: no component code",
    ),
    "component.other_class": (
        "部件 {parsed_code} 属于 {class_code}（{current_name}），不是上报的类别 {class_code2}",
        "component {parsed_code} is a {class_code} ({current_name}), not of the reported class {class_code2}",
    ),
    "component.removed": (
        "部件 {parsed_code} 已停止使用",
        "component {parsed_code} was removed from service",
    ),
    "component.too_far": (
        "部件 {parsed_code} 距上报位置 {distance} 米（最多 {limit} 米）",
        "component {parsed_code} is {distance} m from the reported point (at most {limit} m)",
    ),
    "component.admin_only": (
        "只有平台管理员可以修改部件普查数据",
        "only a platform admin changes the component census",
    ),
    "component.not_changeable": (
        "不能修改 {unknown}；可修改：{editable}",
        "cannot change {unknown}; changeable: {editable}",
    ),
    "component.outside_area": (
        "该部件不在您管理的辖区内",
        "this component lies outside the territory you administer",
    ),
    "component.empty_name": ("名称不能为空", "the name cannot be empty"),
    "webhook.bad_url": ("{url!r} 不是 http:// 或 https:// 网址", "{url!r} is not an http:// or https:// URL"),
    "webhook.long_url": ("网址不能超过 {limit} 个字符", "the URL is longer than {limit} characters"),
    "webhook.no_event": ("请至少选择一种事件：{events}", "name at least one event: {events}"),
    "webhook.unknown_event": (
        "未知的事件 {unknown}；可选：{events}",
        "unknown event {unknown}; events: {events}",
    ),
    "webhook.bad_name": (
        "{name!r} 不是有效的订阅名称：1 至 60 个字母、数字、“.”“_”或“-”，以字母或数字开头",
        "{name!r} is not a subscription name: 1 to 60 letters, digits, '.', '_' or '-', starting with a "
        "letter or digit",
    ),
    "webhook.department_scope": (
        "部门的订阅只接收本部门的案件：请不要填写范围",
        "a department's subscription hears of its own cases: give no scope",
    ),
    "webhook.no_scope": (
        "没有编码为 {scope!r} 的区、街道或社区",
        "no district, street or community with code {scope!r}",
    ),
    "webhook.short_secret": ("密钥至少 {minimum} 个字符", "a secret has at least {minimum} characters"),
    "webhook.exists": (
        "名为 {name!r} 的 Webhook 订阅已存在",
        "a webhook subscription named {name!r} exists already",
    ),
    "webhook.not_found": ("没有名为 {name!r} 的 Webhook 订阅", "no webhook subscription named {name!r}"),
    "supervision.assign_admin_only": ("责任网格由管理员分配", "only an admin assigns supervisors' grids"),
    "supervision.not_a_supervisor": (
        "{display_name}（{username}）不是监督员：责任网格只分配给监督员",
        "{display_name} ({username}) is not a field supervisor: responsibility grids are assigned to "
        "supervisors only",
    ),
    "supervision.account_disabled": (
        "{display_name}（{username}）的账号已停用",
        "the account of {display_name} ({username}) is disabled",
    ),
    "supervision.no_grid_code": ("请至少给出一个单元网格编码", "give at least one unit grid code"),
    "supervision.too_many_grids": ("一次最多 {limit} 个网格", "at most {limit} grids at once"),
    "supervision.not_yours": (
        "监督员 {display_name} 不在您的管理范围内",
        "supervisor {display_name} is outside your area",
    ),
    "supervision.no_grids": ("没有现行单元网格 {unknown}", "no current unit grid {unknown}"),
    "supervision.grids_outside_area": (
        "网格 {outside_admin} 不在您的管理范围内",
        "grid {outside_admin} lies outside your area",
    ),
    "supervision.grids_outside_unit": (
        "网格 {outside} 不在监督员 {display_name} 所属单位（{org_unit_name}）的辖区内，不能分配给他/她",
        "grid {outside} lies outside the area of {org_unit_name}, the unit of supervisor {display_name}: it "
        "cannot be assigned to them",
    ),
    "supervision.citizen": (
        "市民不能查看督办名单；公开的月检查名单见排名页面",
        "citizens cannot see the supervision list; the public monthly list is on the rankings page",
    ),
    "patrol.supervisors_only": (
        "巡查只记录监督员的在岗状态和轨迹",
        "only supervisors patrol: a patrol records a supervisor's duty and track",
    ),
    "patrol.bad_body": ('请发送 {{"points": [...]}}', 'send {{"points": [...]}}'),
    "patrol.too_many_points": (
        "一批最多 {limit} 个轨迹点（收到 {count} 个）",
        "at most {limit} track points a batch (got {count})",
    ),
    "patrol.incomplete_point": (
        "第 {i} 个点不完整：需要 at、lon、lat",
        "point {i} is incomplete: it needs at, lon and lat",
    ),
    "patrol.empty_batch": ("空的轨迹批次：没有轨迹点", "the batch has no point"),
    "patrol.no_timezone": (
        "第 {i} 个点的时间没有时区",
        "the time of point {i} has no timezone (give the offset)",
    ),
    "patrol.future_point": (
        "第 {i} 个点的时间在将来：{at}",
        "the time of point {i} lies in the future: {at}",
    ),
    "patrol.too_old": (
        "第 {i} 个点早于轨迹保留期（{patrol_retention_days} 天）",
        "point {i} is older than the track retention period ({patrol_retention_days} days)",
    ),
    "patrol.out_of_range": (
        "第 {i} 个点的经纬度超出范围",
        "the longitude or latitude of point {i} is out of range",
    ),
    "integration.exists": (
        "名为 {system_name!r} 的对接系统已存在",
        "an integration named {system_name!r} exists already",
    ),
    "integration.not_found": ("没有名为 {name!r} 的对接系统", "no integration named {name!r}"),
    "integration.key_required": (
        "请在 {header} 请求头中发送对接系统的 API 密钥",
        "send the integration's API key in the {header} header",
    ),
    "integration.key_invalid": ("API 密钥无效", "the API key is not valid"),
    "integration.key_revoked": ("API 密钥已被吊销", "the API key was revoked"),
    "integration.account_gone": ("该对接系统的账号已不存在", "the integration's account is gone"),
    "integration.unknown_list": ("未知的列表 {tab!r}；可选：{tabs}", "unknown list {tab!r}; one of {tabs}"),
    "integration.action_not_allowed": (
        "部门系统只能执行 {actions}，不能执行 {action}",
        "a department's system may {actions}, not {action}",
    ),
    "access.city_admin_only": (
        "只有市级管理员可以{what}",
        "only an admin of the city platform {what}",
    ),
    "map.bad_level": ("标注级别只能是：{levels}", "level is one of {levels}"),
    "field.not_a_number": ("“{text}”不是数字", "{text!r} is not a number"),
    "analysis.not_a_street": (
        "{street!r} 不是街道编码（9 位数字）",
        "{street!r} is not the code of a street (9 digits)",
    ),
    "analysis.street_outside_area": (
        "街道 {street}（{names}）不在您的辖区内",
        "street {street} ({names}) lies outside your area",
    ),
    "analysis.unknown_network": (
        "未知的网络 {network!r}；可选：{networks}",
        "unknown network {network!r}; one of {networks}",
    ),
    "analysis.not_a_class": ("{class_code!r} 不是类别编码", "{class_code!r} is not the code of a class"),
    "analysis.no_territory": (
        "该账号的辖区在地图上还没有行政区划",
        "this account's area has no territory on the map yet",
    ),
    "analysis.bad_stack": (
        "stack 只能是 network 或 class，不能是 {stack!r}",
        "stack is network or class, not {stack!r}",
    ),
    "analysis.bad_level": (
        "level 只能是 {levels} 之一，不能是 {level!r}",
        "level is one of {levels}, not {level!r}",
    ),
    "attachment.empty": ("文件是空的", "the file is empty"),
    "attachment.too_large": (
        "文件大小为 {size} MB，上限为 {limit} MB",
        "the file is {size} MB; the limit is {limit} MB",
    ),
    "attachment.bad_type": (
        "{filename!r} 不是可接受的文件类型（{upload_types}）",
        "{filename!r} is not an accepted file type ({upload_types})",
    ),
    "attachment.missing": (
        "附件 {attachment_id} 不存在：请先上传",
        "attachment {attachment_id} does not exist; upload it first",
    ),
    "attachment.not_yours": (
        "附件 {attachment_id} 是他人上传的",
        "attachment {attachment_id} was uploaded by someone else",
    ),
    "attachment.used": (
        "附件 {attachment_id} 已属于其他记录",
        "attachment {attachment_id} already belongs to another record",
    ),
    "attachment.not_found": ("找不到附件 {attachment_id}", "attachment {attachment_id} not found"),
    # uploads: the type read from the content alone (services.upload_files)
    "upload.not_image": (
        "{filename!r} 不是 JPEG、PNG 或 WebP 图片（按文件内容判断，与文件名和声明的类型无关）",
        "{filename!r} is not a JPEG, PNG or WebP image "
        "(judged by its content, whatever its name or declared type says)",
    ),
    "upload.damaged": (
        "{filename!r} 图片已损坏或不完整，无法完整读取：请重新上传",
        "{filename!r} is a damaged or incomplete image that cannot be read whole; upload it again",
    ),
    "upload.too_many_pixels": (
        "{filename!r} 像素过多：上限为 {limit} 百万像素",
        "{filename!r} has too many pixels; the limit is {limit} million",
    ),
    "calendar.no_setting": ("{day} 没有本市设定", "{day} has no city setting"),
    "calendar.nothing_to_confirm": (
        "国家节假日表已收录 {year} 年：没有需要确认的计算结果",
        "the national holiday table knows {year}: there is nothing computed to confirm",
    ),
    "calendar.no_rules": (
        "无法计算 {year} 年的法定节假日（现行规定自 2025 年起适用）",
        "no statutory holidays can be computed for {year} (the rules apply from 2025)",
    ),
    "calendar.years": ("日历只显示 2000 至 2100 年", "the calendar shows the years 2000 to 2100"),
    "callback.not_hotline": (
        "回访只适用于12345热线（电话）受理的案件；本案件不是热线案件，由上报人在门户评价",
        "callbacks are for cases taken by the 12345 hotline (phone); this case is not a hotline case: its "
        "reporter rates it on the portal",
    ),
    "callback.rated": (
        "本次结案{who}，每次结案只记一次评价",
        "this closure was {who} already: each closure is rated once",
    ),
    "callback.called_back": ("已回访", "called back"),
    "callback.reporter_rated": ("上报人已评价", "rated by its reporter"),
    "clock.no_stage_clock": ("该案件没有正在计时的环节", "this case has no running stage clock"),
    "clock.no_disposal_clock": (
        "该案件没有等待决定的处置计时",
        "this case has no disposal clock waiting for the decision",
    ),
    "contact.reason_required": (
        "查看完整联系方式需要填写事由（至少 {minimum} 个字），查看将连同事由记入个人信息访问日志",
        "seeing the full contact needs a reason (at least {minimum} characters); the look is logged with "
        "the reason in the personal-data access log",
    ),
    "contact.reason_long": ("事由不能超过 {limit} 个字", "the reason is longer than {limit} characters"),
    "contact.citizen": ("市民不能查看他人的联系方式", "a citizen cannot see other people's contacts"),
    "contact.none": ("案件 {case} 的上报人没有留下联系方式", "the reporter of case {case} left no contact"),
    "demo.no_unit_grids": (
        "{district_code} 中没有单元网格：请先生成城市管理网格",
        "no unit grids in {district_code}: generate the city-management grids first",
    ),
    "demo.no_owner": (
        "部门 {department} （{cls_code} {cls_name} 的权属单位）尚未建立",
        "department {department} (owner of {cls_code} {cls_name}) is not set up",
    ),
    "evaluation.readers": (
        "考核评价仅供领导、管理员和值班长查看",
        "evaluations are read by leaders (领导), admins (管理员) and shift leaders (值班长)",
    ),
    "evaluation.platform_only": (
        "考核评价在平台（市、区或街道）查看，不在部门查看",
        "evaluations are read on a platform (city, district or street), not in a department",
    ),
    "evaluation.unknown_source": (
        "未知的数据来源 {source!r}：请用 auto、rollups 或 cases",
        "unknown source {source!r}: use auto, rollups or cases",
    ),
    "evaluation.rollups_cannot": (
        "汇总数据无法回答此查询：汇总按自然月、按现行规则保存（修改规则后请运行 `gridcity rollups rebuild`）",
        "the rollups cannot answer this: they are kept per calendar month and under the current rules (run "
        "`gridcity rollups rebuild` after changing them)",
    ),
    "export.unknown_format": (
        "未知的导出格式 {fmt!r}；可选：{formats}",
        "unknown export format {fmt!r}; formats: {formats}",
    ),
    "export.unknown_sort": ("未知的排序 {sort!r}；可选：{sorts}", "unknown sort {sort!r}; sorts: {sorts}"),
    "export.bad_level": ("level 只能是 {levels}", "level is {levels}"),
    "platform.bad_work_period": (
        "工作时段 {text!r} 无效：请写成 HH:MM-HH:MM",
        "bad work period {text!r}: write it as HH:MM-HH:MM",
    ),
    "portal.no_territory": (
        "本市尚未导入行政区划：请先导入，再开放门户",
        "the city has no territory yet: import it before opening the portal",
    ),
    "portal.username_taken": (
        "用户名 {username!r} 属于{role_zh}，不属于门户",
        "the username {username!r} belongs to a {role}, not to the portal",
    ),
    "portal.unknown_class": ("未知的类别 {ref!r}", "unknown class {ref!r}"),
    "portal.class_not_public": (
        "类别 {cls_code} {cls_name} 不接受市民上报",
        "class {cls_code} {cls_name} is not open to public reports",
    ),
    "portal.no_place": ("请在地图上标出问题的位置", "mark the place of the problem on the map"),
    "portal.bad_coordinates": ("坐标不是地球上的位置", "the coordinates are not a place on Earth"),
    "portal.outside_city": ("该位置不在本市范围内", "the place lies outside the city"),
    "portal.no_description": ("请用几句话描述问题", "describe the problem in a few words"),
    "portal.long_description": ("问题描述过长", "the description is too long"),
    "portal.empty_photo": ("照片 {name!r} 是空文件", "the photo {name!r} is empty"),
    "portal.large_photo": ("照片 {name!r} 过大", "the photo {name!r} is too large"),
    "portal.form_damaged": ("表单已损坏，请刷新页面", "the form is damaged; reload the page"),
    "portal.contact_name": ("联系人姓名为 1 至 40 个字", "give a contact name of 1 to 40 characters"),
    "portal.form_used": ("该表单已经提交过", "this form was already used"),
    "portal.key_missing": (
        "请输入上报时获得的查询码",
        "enter the receipt key you were given when you reported",
    ),
    "portal.key_wrong": ("查询码与该案件不符", "the receipt key does not match this case"),
    "portal.rate_not_closed": ("案件结案后才能评价", "a case can be rated once it is closed"),
    "portal.stars": ("请给出 1 至 5 星", "give 1 to 5 stars"),
    "portal.long_comment": ("评价内容过长", "the comment is too long"),
    "portal.rated_twice": ("本次结案已经评价过", "this closure of the case was rated already"),
    "portal.reopen_not_closed": ("只有已结案的案件可以重新打开", "only a closed case can be reopened"),
    "portal.reason_missing": ("请说明问题为什么没有解决", "say why the problem is not solved"),
    "portal.long_reason": ("原因过长", "the reason is too long"),
    "portal.unknown_area": ("未知的区或街道 {area_code!r}", "unknown district or street {area_code!r}"),
    "ranking.bad_kind": (
        "不是排名类型：{kind!r}（district、street 或 department）",
        "not a kind of ranking: {kind!r} (district, street or department)",
    ),
    "ranking.not_published": (
        "{period} 的{kind_zh}排名尚未发布",
        "the {kind} ranking of {period} is not published",
    ),
    "ranking.version_not_published": (
        "{period} 的{kind_zh}排名第 {version} 版尚未发布",
        "version {version} of the {kind} ranking of {period} is not published",
    ),
    "sweep.not_a_month": (
        "不是月份：{month!r}（请写成 YYYY-MM，例如 2026-11）",
        "not a month: {month!r} (write it as YYYY-MM, e.g. 2026-11)",
    ),
    "system.bad_name": (
        "{name!r} 不是有效的{what}名称：1 至 60 个字母、数字、“.”“_”或“-”，以字母或数字开头",
        "{name!r} is not {what} name: 1 to 60 letters, digits, '.', '_' or '-', starting with a letter or "
        "digit",
    ),
    "system.exists": (
        "名为 {name!r} 的{what}已存在（已吊销的名称仍被占用）",
        "{what} named {name!r} exists already (revoked names stay taken)",
    ),
    "system.username_taken": (
        "用户名 {username!r} 已被占用：请另选名称",
        "the username {username!r} is taken: choose another name",
    ),
    "system.key_taken": ("该 API 密钥已属于某个{what}", "this API key belongs to {what} already"),
    "system.empty_key": ("API 密钥为空", "an API key is empty"),
    "system.short_key": ("API 密钥至少 {minimum} 个字符", "an API key has at least {minimum} characters"),
    "task.calendar": ("设置工作日历", "sets the working calendar"),
    "task.integrations": ("管理部门系统对接", "manages department integrations"),
    "task.webhooks": ("管理 Webhook 订阅", "manages webhook subscriptions"),
    "task.georeport": ("管理 Open311 客户端", "manages Open311 client applications"),
    # bounded input ([9], api/body_limits.py, domain/bounded_json.py, the database pool's wait)
    "bounds.body_too_large": (
        "请求内容过大：此处最多接受 {size}",
        "the request body is too large: at most {size} is accepted here",
    ),
    "bounds.json_too_deep": (
        "{source} 的嵌套层数超过 {limit} 层",
        "{source} is nested more than {limit} levels deep",
    ),
    "bounds.body_too_deep": (
        "请求的 JSON 嵌套超过 {limit} 层",
        "the JSON body is nested more than {limit} levels deep",
    ),
    "bounds.too_many_positions": (
        "{source} 含有超过 {limit} 个坐标数组",
        "{source} holds more than {limit} coordinate arrays",
    ),
    "bounds.too_many_features": (
        "{source} 含有 {count} 个要素，最多 {limit} 个",
        "{source} holds {count} features; at most {limit} are accepted",
    ),
    "bounds.csv_bad_row": (
        "{path} 第 {line} 行无法读取（单个字段最多 {limit} 个字符）：{error}",
        "{path} line {line} cannot be read (a field holds at most {limit} characters): {error}",
    ),
    "bounds.too_many_rows": (
        "{path} 含有超过 {limit} 行数据",
        "{path} holds more than {limit} rows",
    ),
    "bounds.busy": (
        "系统繁忙，请在 {seconds} 秒后重试",
        "the platform is busy: try again in {seconds} seconds",
    ),
    # --- sign-in protection (services.signin_guard, services.signin, services.rate_limits) ---
    # None of these says whether an account of that name exists: an unknown name is counted, delayed
    # and locked exactly like a known one.
    "signin.wait": (
        "登录失败次数较多，请 {seconds} 秒后再试",
        "too many failed sign-ins; try again in {seconds} seconds",
    ),
    "signin.locked": (
        "该用户名登录失败次数过多，已暂时锁定：请 {minutes} 分钟后再试，或请管理员解锁",
        "too many failed sign-ins with this username: it is locked; try again in {minutes} minutes, "
        "or ask an administrator to unlock it",
    ),
    "signin.busy": (
        "登录请求过多，服务器正忙，请 {seconds} 秒后再试",
        "the server is busy with other sign-ins; try again in {seconds} seconds",
    ),
    "signin.rate_limited": (
        "来自此处的提交过多，请 {seconds} 秒后再试",
        "too many submissions from here; try again in {seconds} seconds",
    ),
    "signin.not_locked": ("用户名 {username!r} 当前没有被锁定", "the username {username!r} is not locked"),
    "signin.lock_outside_area": (
        "用户名 {username!r} 不属于您管理范围内的账号，只有市级管理员可以解锁",
        "the username {username!r} is no account of your area; only a city admin may unlock it",
    ),
    "signin.reason_needed": ("请填写解锁原因", "give the reason for the unlock"),
    "signin.long_reason": ("原因最多 {limit} 个字符", "a reason has at most {limit} characters"),
    # --- the password policy (services.password_policy) ---
    "password.too_short": ("密码至少 {minimum} 个字符", "a password has at least {minimum} characters"),
    "password.too_long": ("密码最多 {maximum} 个字符", "a password has at most {maximum} characters"),
    "password.too_common": (
        "这是常见密码之一，很容易被猜中：请另选一个",
        "this is one of the most common passwords, easily guessed: choose another",
    ),
    "password.is_username": (
        "密码不能与用户名相同或包含用户名",
        "a password may not be or contain the username",
    ),
    # --- personal data: keys, rotation, retention (docs/security.md#personal-data) ---------------
    "privacy.key_required": (
        "生产模式（GRIDCITY_PRODUCTION=true）下必须设置个人信息密钥 {setting}（base64 编码的 32 字节，"
        "可用 gridcity personal-data new-key 生成），所有进程使用同一密钥，并在数据库备份之外另行保存",
        "production mode (GRIDCITY_PRODUCTION=true) needs the personal-data key in {setting} (32 bytes "
        "in base64; make one with: gridcity personal-data new-key), the same for every process, with a "
        "copy kept apart from the database backups",
    ),
    "privacy.migration_needs_key": (
        "数据库中有明文保存的上报人联系方式，迁移需要个人信息密钥来加密：请用 gridcity db upgrade 升级",
        "the database holds reporters' contacts in clear and this migration needs the personal-data "
        "key to encrypt them: upgrade with gridcity db upgrade",
    ),
    # --- operations: /metrics (api/health.py) --------------------------------------------
    "health.metrics_forbidden": (
        "运行指标只对允许的地址（GRIDCITY_METRICS_ALLOW）或持有指标令牌（GRIDCITY_METRICS_TOKEN）的请求开放",
        "the metrics are open only to the allowed addresses (GRIDCITY_METRICS_ALLOW) "
        "or to requests with the metrics token (GRIDCITY_METRICS_TOKEN)",
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


@dataclass(frozen=True)
class Joined:
    """Several messages as one parameter of another (a list of problems), each rendered when that
    one is read."""

    parts: tuple[Message | str, ...]
    separator: str = "; "

    def __str__(self) -> str:
        return self.separator.join(str(part) for part in self.parts)


def message(code: str, /, **params: Any) -> Message:
    if code not in CATALOGUE:
        raise KeyError(f"message {code!r} is not in the catalogue")
    return Message(code, params)
