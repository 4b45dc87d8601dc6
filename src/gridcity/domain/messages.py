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
    "personal_key.malformed": (
        "{where} 中的个人信息密钥不是 base64 编码的 32 字节（可用以下命令生成：python -c \"import "
        "os,base64;print(base64.b64encode(os.urandom(32)).decode())\"）",
        "the personal-data key in {where} is not 32 bytes in base64 (make one with: python -c \"import "
        "os,base64;print(base64.b64encode(os.urandom(32)).decode())\")",
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
