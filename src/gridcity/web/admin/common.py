"""What the admin pages (系统管理) share: the admin's tier, form reading with the CSRF check, the
words of the pages, and the names of units and departments for display."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from gridcity.db.models import OrgUnit
from gridcity.domain.errors import DomainError, Invalid
from gridcity.domain.messages import Message, message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services import users
from gridcity.services.platform import Platform
from gridcity.web import i18n, session
from gridcity.web.pages import require_role

LAYERS = ("city_management", "social_service", "public_security")

i18n.add_words(
    {
        "admin.overview": ("概览", "Overview"),
        "admin.territory": ("区域与网格", "Territory and grids"),
        "admin.classes": ("部件事件类别", "Classes"),
        "admin.calendar": ("工作日历", "Working calendar"),
        "admin.departments": ("专业部门", "Departments"),
        "admin.users": ("用户与角色", "Users and roles"),
        "admin.your_area": ("管理范围", "Your area"),
        "admin.whole_city": ("全市", "the whole city"),
        "admin.count_users": ("用户", "Users"),
        "admin.active": ("启用", "Active"),
        "admin.inactive": ("已停用", "Deactivated"),
        "admin.count_departments": ("专业部门", "Departments"),
        "admin.count_classes": ("类别", "Classes"),
        "admin.area_owners": ("本区域另设主责部门的类别", "classes with an owner set for your area"),
        "admin.days_set": ("城市自定义日期", "City's own days"),
        "admin.open": ("管理", "Manage"),
        "admin.layer.city_management": ("单元网格", "Unit grids"),
        "admin.layer.social_service": ("社会服务网格", "Social-service grids"),
        "admin.layer.public_security": ("公共安全网格", "Public-security grids"),
        "admin.layer": ("网格图层", "Grid layer"),
        "admin.map_hint": ("放大地图以显示该图层的网格", "Zoom in to see this layer's grids"),
        "admin.versions": ("网格版本", "Grid versions"),
        "admin.parent": ("社区/街道", "Community / street"),
        "admin.version": ("版本", "Version"),
        "admin.valid_from": ("生效", "Valid from"),
        "admin.valid_to": ("失效", "Valid to"),
        "admin.current": ("现行", "current"),
        "admin.grid_count": ("网格数", "Grids"),
        "admin.source": ("来源", "Source"),
        "admin.source.generated": ("自动生成", "generated"),
        "admin.source.imported": ("导入", "imported"),
        "admin.import": ("导入网格文件", "Import a grid file"),
        "admin.import_hint": (
            "GeoJSON 要素集合，每个网格的属性 code 为网格编码；"
            "导入后成为所涉社区（街道）的新版本，旧版本失效但保留。",
            "A GeoJSON FeatureCollection, each grid with its code in the property 'code'; it becomes a "
            "new version of every community (street) it covers; the old version is closed, never deleted.",
        ),
        "admin.file": ("文件", "File"),
        "admin.do_import": ("导入", "Import"),
        "admin.imported": (
            "已导入 {created} 个网格，成为 {parents} 个社区（街道）的新版本；{superseded} 个旧网格已失效。",
            "{created} grids imported as a new version of {parents} communities (streets); "
            "{superseded} earlier grids closed.",
        ),
        "admin.download": ("下载现行网格", "Download the current grids"),
        "admin.parent_code": ("区/街道/社区编码", "District, street or community code"),
        "admin.do_download": ("下载 GeoJSON", "Download GeoJSON"),
        "admin.locate": ("定位", "Show"),
        "admin.filter": ("筛选", "Filter"),
        "admin.narrow_down": (
            "输入街道或社区编码以缩小范围",
            "name a street or community to narrow the list",
        ),
        "admin.all": ("全部", "All"),
        "admin.code": ("编码", "Code"),
        "admin.name": ("名称", "Name"),
        "admin.kind": ("类型", "Kind"),
        "admin.kind.component": ("部件", "component"),
        "admin.kind.event": ("事件", "event"),
        "admin.network": ("网络", "Network"),
        "admin.network.city_management": ("城市管理", "city management"),
        "admin.network.social_service": ("社会服务", "social service"),
        "admin.network.public_security": ("公共安全", "public security"),
        "admin.standard": ("标准", "Standard"),
        "admin.stage.accept": ("受理", "Intake"),
        "admin.stage.verify": ("核实", "Verify"),
        "admin.stage.file": ("立案", "File"),
        "admin.stage.dispatch": ("派遣", "Dispatch"),
        "admin.stage.dispose": ("处置", "Dispose"),
        "admin.stage.rework": ("返工", "Rework"),
        "admin.stage.check": ("核查", "Check"),
        "admin.stage.close": ("结案", "Close"),
        "admin.stage.decide": ("审批", "Decision"),
        "admin.limits": ("时限", "Time limits"),
        "admin.urgent_limits": ("紧急时限（留空则同一般）", "Urgent limits (empty: as normal)"),
        "admin.limit_hint": (
            "写法：30 分钟、2 小时（自然时间）、4 工作小时、20 工作日；返工时限留空即为处置时限的一半",
            "Write 30 minutes, 2 hours (calendar), 4 working hours, 20 working days; "
            "an empty rework limit is half the disposal limit",
        ),
        "admin.owner": ("主责部门", "Owner"),
        "admin.owner_default": ("全市默认主责部门", "Default owner (whole city)"),
        "admin.cooperating": ("配合单位", "Cooperating units"),
        "admin.area_owner": ("区域主责部门", "Owner in an area"),
        "admin.area": ("区域", "Area"),
        "admin.set": ("设置", "Set"),
        "admin.clear": ("清除", "Clear"),
        "admin.save": ("保存", "Save"),
        "admin.edit": ("编辑", "Edit"),
        "admin.citywide_only": (
            "时限、默认主责部门和配合单位全市统一，由市级平台管理员设置。",
            "Time limits, the default owner and the cooperating units apply to the whole city; the "
            "city platform's admin sets them.",
        ),
        "admin.criteria_filing": ("立案条件", "Filing criteria"),
        "admin.criteria_closing": ("结案条件", "Closing criteria"),
        "admin.urgency": ("紧急程度", "Urgency levels"),
        "admin.saved": ("已保存", "Saved"),
        "admin.unchanged": ("没有改动", "Nothing changed"),
        "admin.shown": ("显示", "Shown"),
        "admin.prev": ("上一页", "Previous"),
        "admin.next": ("下一页", "Next"),
        "admin.year": ("年份", "Year"),
        "admin.day": ("日期", "Day"),
        "admin.rest_day": ("休息日", "Rest day"),
        "admin.work_day": ("工作日", "Working day"),
        "admin.reason": ("原因", "Reason"),
        "admin.reason_example": ("元旦 / 调休上班", "New Year's Day / make-up working day"),
        "admin.set_day": ("设置日期", "Set a day"),
        "admin.own_days": ("本市自定义日期", "The city's own days"),
        "admin.national": ("国家安排", "National table"),
        "admin.national.holiday": ("法定节假日", "public holiday"),
        "admin.national.makeup": ("调休上班", "make-up working day"),
        "admin.national.weekend": ("周末", "weekend"),
        "admin.national.workday": ("工作日", "working day"),
        "admin.national.unknown": ("未知（按周一至周五）", "unknown (Monday to Friday)"),
        "admin.national.computed": (
            "法定节假日（按规则推算，待国务院通知确认）",
            "statutory holiday (computed, to confirm)",
        ),
        "admin.calendar_city_only": (
            "工作日历全市统一，由市级平台管理员设置；此处仅供查看。",
            "The working calendar applies to the whole city and is set by the city platform's admin; "
            "here you can read it.",
        ),
        "admin.calendar_warning": ("注意", "Warning"),
        "admin.confirm_computed": ("确认计算出的法定节假日", "Confirm the computed statutory holidays"),
        "admin.confirm_computed_hint": (
            "按现行《全国年节及纪念日放假办法》计算，尚未核对；确认后成为本市设定的休息日。调休上班日仍需按国务院通知逐日设定。",
            "Computed from the rules in force, not yet checked; once confirmed they are the city's own rest "
            "days. Enter the make-up working days from the State Council's notice one by one.",
        ),
        "admin.confirmed": ("已确认", "Confirmed"),
        "admin.calendar_click": (
            "点击日历中的日期可填入上面的表单。",
            "Click a day in the calendar to fill the form.",
        ),
        "admin.weekdays": ("一二三四五六日", "MTWTFSS"),
        "admin.month": ("月", ""),
        "admin.tier": ("层级", "Tier"),
        "admin.tier.city": ("市级", "city"),
        "admin.tier.district": ("区级", "district"),
        "admin.tier.street": ("街道级", "street"),
        "admin.tier.community": ("社区级", "community"),
        "admin.serves": ("服务区域", "Serves"),
        "admin.networks": ("业务网络", "Networks"),
        "admin.user_count": ("人员", "Staff"),
        "admin.add_department": ("新增专业部门", "Add a department"),
        "admin.rename": ("改名", "Rename"),
        "admin.department_code_hint": (
            "区、街道的部门以其区域编码开头，如 110101-JD",
            "A district or street department's code starts with its area code, e.g. 110101-JD",
        ),
        "admin.added": ("已新增", "Added"),
        "admin.renamed": ("已改名", "Renamed"),
        "admin.role": ("角色", "Role"),
        "admin.unit": ("所属单位", "Unit"),
        "admin.status": ("状态", "Status"),
        "admin.display_name": ("姓名", "Display name"),
        "admin.phone": ("电话", "Phone"),
        "admin.initial_password": ("初始密码", "Initial password"),
        "admin.new_password": ("新密码", "New password"),
        "admin.add_user": ("新增用户", "Add a user"),
        "admin.created_at": ("创建时间", "Created"),
        "admin.change_user": ("修改角色与单位", "Change role and unit"),
        "admin.deactivate": ("停用账号", "Deactivate"),
        "admin.reactivate": ("重新启用", "Reactivate"),
        "admin.deactivate_hint": (
            "停用后该用户立即退出所有会话，且不能再登录。",
            "A deactivated user is signed out everywhere at once and cannot sign in.",
        ),
        "admin.reset_password": ("重置密码", "Reset the password"),
        "admin.password_reset": ("密码已重置，该用户需重新登录", "Password reset; the user signs in again"),
        "admin.deactivated": ("账号已停用", "Account deactivated"),
        "admin.reactivated": ("账号已启用", "Account reactivated"),
        "admin.changed": ("已修改", "Changed"),
        "admin.you": ("（本人）", "(you)"),
        "admin.search_user": ("用户名或姓名", "Username or name"),
        "admin.any_state": ("全部状态", "Any state"),
    }
)


def admin_scope(user: Principal) -> str:
    """A page for admins only; their territory code ('' for the city)."""
    require_role(user, Role.ADMIN)
    return users.admin_scope(user)


async def read_form(request: Request) -> FormData:
    """The posted form, after the CSRF check (a form from another site is refused with 403)."""
    form = await request.form()
    try:
        session.check_csrf(request, str(form.get(session.CSRF_FIELD, "")))
    except session.CsrfError:
        await form.close()  # an uploaded file's spooled temporary file
        raise
    return form


def text(form: FormData, name: str, required: Message | None = None, max_length: int = 200) -> str:
    """A text field; `required` is the message when it is empty."""
    value = form.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise Invalid(required)
    if len(value) > max_length:
        raise Invalid(message("page.too_long", field=name, max=max_length))
    return value


def words(request: Request) -> Callable[[str], str]:
    return i18n.translator(i18n.language(request))  # type: ignore[no-any-return]


def unit_names(db: Session, codes: list[str] | set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(sorted(codes)))).all()
    return {code: name for code, name in rows}


def scope_name(user: Principal, t: Callable[[str], str]) -> str:
    return t("admin.whole_city") if not user.org_unit.scope_code else user.org_unit.name


def template_label(name: str) -> str:
    """A department template's name for display: 东城区… becomes （区）… ."""
    for key, word in (
        ("{district_name}", "（区）"),
        ("{district_short}", "（区）"),
        ("{street_name}", "（街道）"),
        ("{street_short}", "（街道）"),
        ("{district}", "（区）"),
        ("{street}", "（街道）"),
    ):
        name = name.replace(key, word)
    return name


def areas_in_scope(db: Session, user: Principal) -> list[users.UnitName]:
    """The districts and streets an admin may name as an area (their own unit and below)."""
    return users.managed_units(db, user, kinds=["district", "street"])


def page_or_error(
    platform: Platform,
    work: Callable[[Session], Response],
    on_error: Callable[[Session, DomainError], HTMLResponse],
) -> Callable[[], Response]:
    """A write for run_write: `work` returns the response (usually a redirect); a domain error
    re-renders the page with the message and its status, nothing written."""

    def run() -> Response:
        with platform.sessions() as db:
            try:
                return work(db)
            except DomainError as exc:
                db.rollback()
                return on_error(db, exc)

    return run
