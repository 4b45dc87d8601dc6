"""The second factor on the pages (services.second_factor): the step after the password at sign-in
(a code, or setting one up first when the person's role must have one), and the person's own
security page (账号安全, /account/security): set up an authenticator app from a QR code drawn on the
server, renew the recovery codes, turn it off where the city's setting allows.

Between the password and the code the browser holds a pending sign-in (services.pending_sign_in) in
a cookie sent to /login/… only; the session cookie is set only once the code was right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gridcity.db.models import User
from gridcity.domain.errors import DomainError, Forbidden, Unauthorized
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services import pending_sign_in, second_factor, users
from gridcity.services.platform import Platform
from gridcity.services.second_factor import Proof, SignInStep
from gridcity.web import i18n, session
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)
PENDING_COOKIE = "gridcity_pending_sign_in"
_PENDING_PATH = "/login"  # the cookie goes to the second step's addresses only
CodeField = Annotated[str, Form(max_length=40)]
NextField = Annotated[str | None, Form(alias="next", max_length=2000)]
CsrfField = Annotated[str, Form()]

i18n.add_words(
    {
        "sf.nav": ("账号安全", "Account security"),
        "sf.title": ("双因素认证", "Second factor"),
        "sf.step_title": ("输入动态验证码", "Enter your code"),
        "sf.step_hint": (
            "请打开手机上的验证器应用，输入本账号当前显示的 6 位验证码；手机不在身边时，可输入一个恢复码。",
            "Open the authenticator app on your phone and type the 6-digit code it shows for this "
            "account; without your phone, type one of your recovery codes.",
        ),
        "sf.code": ("验证码或恢复码", "Code or recovery code"),
        "sf.code_only": ("验证器中的 6 位验证码", "The 6-digit code of your authenticator app"),
        "sf.verify": ("验证", "Verify"),
        "sf.back_to_sign_in": ("重新登录", "Sign in again"),
        "sf.sign_in_expired": (
            "登录已超时，请重新输入用户名和密码",
            "The sign-in has expired: enter your username and password again",
        ),
        "sf.enrol_title": ("绑定验证器", "Set up an authenticator app"),
        "sf.enrol_required": (
            "您的角色须使用双因素认证登录。请先绑定验证器，完成后即可进入平台。",
            "Your role signs in with a second factor. Set up an authenticator app first; then "
            "you are signed in.",
        ),
        "sf.enrol_hint": (
            "用验证器应用（如 FreeOTP、Google Authenticator、Microsoft Authenticator）扫描二维码，"
            "或手动输入下面的密钥，然后输入应用显示的 6 位验证码确认。",
            "Scan the QR code with an authenticator app (FreeOTP, Google Authenticator, Microsoft "
            "Authenticator …) or type the key below into it, then confirm with the 6-digit code it shows.",
        ),
        "sf.qr": ("验证器二维码", "QR code for the authenticator app"),
        "sf.secret": ("密钥", "Key"),
        "sf.confirm": ("确认绑定", "Confirm"),
        "sf.on": ("已启用", "On"),
        "sf.off": ("未启用", "Off"),
        "sf.since": ("启用于", "On since"),
        "sf.required": ("您的角色须使用双因素认证", "Your role must sign in with a second factor"),
        "sf.optional": ("可选：您的角色不强制要求", "Optional for your role"),
        "sf.recovery_left": ("剩余恢复码", "Recovery codes left"),
        "sf.recovery_title": ("恢复码", "Recovery codes"),
        "sf.recovery_hint": (
            "请立即抄写或打印这些恢复码并妥善保管：手机丢失时，每个恢复码可代替验证码登录一次。"
            "它们只显示这一次。",
            "Write these recovery codes down or print them and keep them safe: without your phone, "
            "each one signs you in once instead of a code. They are shown this once only.",
        ),
        "sf.continue": ("继续", "Continue"),
        "sf.renew": ("重新生成恢复码", "New recovery codes"),
        "sf.renew_hint": ("旧的恢复码将全部失效。", "The old recovery codes stop working."),
        "sf.turn_off": ("关闭双因素认证", "Turn the second factor off"),
        "sf.turned_off": ("双因素认证已关闭", "The second factor is off"),
        "sf.recovery_used": (
            "您用恢复码登录了：该恢复码已失效。如果手机丢失，请重新绑定验证器或请管理员重置。",
            "You signed in with a recovery code, which is now used up. If your phone is lost, set "
            "up the app again or ask an admin to reset your second factor.",
        ),
        "sf.admin_reset": ("重置双因素认证", "Reset the second factor"),
        "sf.admin_reset_hint": (
            "删除该用户的验证器和恢复码并结束其所有登录；如其角色须使用双因素认证，下次登录时须重新绑定。",
            "Removes this user's authenticator and recovery codes and ends their sessions; if "
            "their role must have a second factor, they set up a new one at their next sign-in.",
        ),
        "sf.reset_done": ("已重置双因素认证", "Second factor reset"),
        "sf.event.enrolled": ("绑定验证器", "Set up"),
        "sf.event.recovery_renewed": ("重新生成恢复码", "New recovery codes"),
        "sf.event.recovery_used": ("使用恢复码登录", "Signed in with a recovery code"),
        "sf.event.turned_off": ("关闭", "Turned off"),
        "sf.event.reset": ("管理员重置", "Reset by an admin"),
        "sf.event.locked": ("验证码连续错误，暂时锁定", "Locked after wrong codes"),
        "sf.events": ("最近记录", "Recent events"),
    }
)


# --- the sign-in's second step ----------------------------------------------------------------


def after_password(
    request: Request, platform: Platform, db: Session, user: User, next_page: str | None
) -> Response | None:
    """Called by the sign-in once the password was right: None when the session may start now;
    otherwise the page of the second step (the code, or setting up a second factor first) with a
    pending sign-in — no session yet."""
    step = second_factor.sign_in_step(platform.settings, db, user)
    if step == SignInStep.SESSION:
        return None
    if step == SignInStep.CODE:
        response: Response = render(request, "account/sign_in_code.html", next=next_page)
    else:
        enrolment = second_factor.begin_enrolment(platform, db, user.id, user.username)
        response = render(request, "account/enrol.html", enrolment=enrolment, next=next_page, forced=True)
    session.set_cookie(
        request,
        response,
        PENDING_COOKIE,
        pending_sign_in.issue(platform, user, step.value),
        samesite="strict",
        path=_PENDING_PATH,
        max_age=pending_sign_in.PENDING_MINUTES * 60,
    )
    return response


def _safe_next(target: str | None) -> str | None:
    from gridcity.web.auth import safe_next  # the sign-in's rule for `next`, one place

    return safe_next(target)


def _start_session(
    request: Request, platform: Platform, db: Session, user: User, response: Response
) -> Response:
    """The session begins (as the password-only sign-in starts it); the pending sign-in ends."""
    token = users.issue_token(platform, db, user)
    session.set_cookie(
        request, response, session.COOKIE, token, max_age=int(platform.settings.token_ttl_hours * 3600)
    )
    response.delete_cookie(PENDING_COOKIE, path=_PENDING_PATH)
    return response


def _expired(request: Request) -> HTMLResponse:
    # the sign-in page shows its error as a text (the password step's refusals are messages)
    words = i18n.translator(i18n.language(request))
    return render(request, "auth/login.html", status_code=401, error=words("sf.sign_in_expired"))


@router.post("/login/second-factor", response_model=None)
def sign_in_code(
    request: Request,
    platform: PlatformDep,
    code: CodeField = "",
    next_page: NextField = None,
    csrf_token: CsrfField = "",
) -> Response:
    session.check_csrf(request, csrf_token)
    target = _safe_next(next_page)
    with platform.sessions() as db:
        try:
            user = pending_sign_in.read(platform, db, request.cookies.get(PENDING_COOKIE), SignInStep.CODE)
        except Unauthorized:
            return _expired(request)
        try:
            proof = second_factor.verify(platform, db, user.id, code)
        except Unauthorized as exc:
            return render(
                request, "account/sign_in_code.html", status_code=401, error=exc.message, next=target
            )
        landing = "/account/security?recovery_used=1" if proof == Proof.RECOVERY else (target or "/")
        return _start_session(request, platform, db, user, RedirectResponse(landing, status_code=303))


@router.post("/login/enrol", response_model=None)
def sign_in_enrol(
    request: Request,
    platform: PlatformDep,
    code: CodeField = "",
    next_page: NextField = None,
    csrf_token: CsrfField = "",
) -> Response:
    session.check_csrf(request, csrf_token)
    target = _safe_next(next_page)
    with platform.sessions() as db:
        try:
            user = pending_sign_in.read(platform, db, request.cookies.get(PENDING_COOKIE), SignInStep.ENROL)
        except Unauthorized:
            return _expired(request)
        try:
            codes = second_factor.confirm_enrolment(platform, db, user.id, code)
        except DomainError as exc:
            db.rollback()
            enrolment = second_factor.begin_enrolment(platform, db, user.id, user.username)
            return render(
                request,
                "account/enrol.html",
                status_code=exc.status_code,
                error=exc.message,
                enrolment=enrolment,
                next=target,
                forced=True,
            )
        page = render(request, "account/recovery_codes.html", codes=codes, landing=target or "/")
        return _start_session(request, platform, db, user, page)


# --- the person's own page ----------------------------------------------------------------------

STAFF = tuple(r for r in Role if r != Role.CITIZEN)  # the portal's citizen accounts are shared


def _staff_only(user: Principal) -> None:
    if user.role == Role.CITIZEN:
        raise Forbidden(
            message(
                "page.not_for_role",
                roles_zh="、".join(r.label_zh for r in STAFF),
                roles_en=", ".join(r.label_en for r in STAFF),
            )
        )


def _security_page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    found = second_factor.state(platform.settings, db, user.id, user.role)
    enrolment = (
        None if found.enrolled else second_factor.begin_enrolment(platform, db, user.id, user.username)
    )
    return render(
        request,
        "account/security.html",
        status_code=status_code,
        user=user,
        factor=found,
        enrolment=enrolment,
        events=second_factor.recent_events(db, user.id),
        error=error,
        notice=notice,
    )


@router.get("/account/security")
def security_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    recovery_used: Annotated[str, Query(max_length=1)] = "",
    done: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    _staff_only(user)
    t = i18n.translator(i18n.language(request))
    notice = t("sf.recovery_used") if recovery_used else t("sf.turned_off") if done == "off" else None
    with platform.sessions() as db:
        return _security_page(request, platform, db, user, notice=notice)


def _change(
    request: Request,
    platform: Platform,
    user: Principal,
    csrf_token: str,
    work: Callable[[Session], Response],
) -> Response:
    """A change on the security page: the CSRF check, the work, its refusal shown on the page."""
    session.check_csrf(request, csrf_token)
    _staff_only(user)
    with platform.sessions() as db:
        try:
            return work(db)
        except DomainError as exc:
            db.rollback()
            return _security_page(request, platform, db, user, status_code=exc.status_code, error=exc.message)


@router.post("/account/security/enrol", response_model=None)
def enrol(
    request: Request, platform: PlatformDep, user: PageUser, code: CodeField = "", csrf_token: CsrfField = ""
) -> Response:
    def work(db: Session) -> Response:
        codes = second_factor.confirm_enrolment(platform, db, user.id, code)
        return render(
            request, "account/recovery_codes.html", user=user, codes=codes, landing="/account/security"
        )

    return _change(request, platform, user, csrf_token, work)


@router.post("/account/security/recovery-codes", response_model=None)
def renew_recovery_codes(
    request: Request, platform: PlatformDep, user: PageUser, code: CodeField = "", csrf_token: CsrfField = ""
) -> Response:
    def work(db: Session) -> Response:
        codes = second_factor.renew_recovery_codes(platform, db, user, code)
        return render(
            request, "account/recovery_codes.html", user=user, codes=codes, landing="/account/security"
        )

    return _change(request, platform, user, csrf_token, work)


@router.post("/account/security/off", response_model=None)
def turn_off(
    request: Request, platform: PlatformDep, user: PageUser, code: CodeField = "", csrf_token: CsrfField = ""
) -> Response:
    def work(db: Session) -> Response:
        second_factor.turn_off(platform, db, user, code)
        return RedirectResponse("/account/security?done=off", status_code=303)

    return _change(request, platform, user, csrf_token, work)
