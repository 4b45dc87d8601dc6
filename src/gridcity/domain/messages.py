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
    "user.short_password": ("密码至少 {minimum} 个字符", "a password has at least {minimum} characters"),
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
    "user.long_password": ("密码最多 200 个字符", "a password has at most 200 characters"),
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
    "class.unknown": (
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
        "存储的 {field} 是用另一个个人信息密钥加密的，与当前配置的密钥（GRIDCITY_PERSONAL_DATA_KEY "
        "或数据目录中的 personal-data.key）不同",
        "the stored {field} was encrypted with another personal-data key than the one configured "
        "(GRIDCITY_PERSONAL_DATA_KEY or the data directory's personal-data.key)",
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
    "territory.bad_bbox": (
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
    "department.bad_code": (
        "不是有效的部门编码：{unit_code!r}（2 至 40 个字母、数字、“-”“_”或“.”，例如区级单位 110101-JD）",
        "not a department code: {unit_code!r} (2 to 40 letters, digits, '-', '_' or '.', e.g. 110101-JD for "
        "a district unit)",
    ),
    "department.bad_name": ("部门名称为 1 至 200 个字符", "a department's name is 1 to 200 characters"),
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
        "only an admin of the city platform (市级管理员) {what}",
    ),
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
    "ranking.publisher": (
        "排名由市级领导或市级管理员发布",
        "rankings are published by a city-level leader (市级领导) or admin (市级管理员)",
    ),
    "ranking.month_running": (
        "{label} 尚未结束（今天在 {current}）；月份结束后才能发布",
        "{label} has not ended yet (today is in {current}); a month is published once it is over",
    ),
    "ranking.long_reason": (
        "原因过长（最多 {limit} 个字）",
        "the reason is too long (at most {limit} characters)",
    ),
    "ranking.published": (
        "{label} 的{kind_zh}排名已发布（第 {last} 版）；再次发布即为更正：请写明原因",
        "the {kind} ranking of {label} is already published (version {last}); publishing it again is a "
        "correction: give the reason",
    ),
    "ranking.published_meanwhile": (
        "他人同时发布了 {label} 的{kind_zh}排名；请刷新后核对",
        "someone published {label} {kind} at the same moment; reload and check",
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
