"""Retention (个人信息保存期限): what the platform erases after its period and when, how much is due
now in the admin's area, and the record of every erasure (what kind, which case or resident, which
fields, when — never the erased data), newest first. `services.retention`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from gridcity.services import retention
from gridcity.web import i18n
from gridcity.web.admin.common import admin_scope, scope_name, words
from gridcity.web.pages import PageUser, PlatformDep, render

router = APIRouter(include_in_schema=False)
PAGE = 100

i18n.add_words(
    {
        "admin.retention": ("保存期限", "Retention"),
        "ret.intro": (
            "个人信息只在处理目的所需期间保存：案件办结（结案、不予受理或作废）{cases} 天后，"
            "删除上报人的回访联系方式（姓名、电话）、评价和回访的文字意见，以及流程记录中的来电人、市民原话（回访记录、重新办理理由、市民留言），案件本身、问题描述、工作人员的办理记录和各项统计保留；"
            "人员迁出 {residents} 天后匿名化"
            "（姓名、身份证号、电话、出生日期、标签和关于此人的走访记录文字）。"
            "后台每小时执行一次，每次删除都记录在下表（只记录删除了什么，不记录被删除的内容）。",
            "Personal data is kept only as long as its purpose needs: {cases} days after a case ended "
            "(closed, rejected or void) its reporter's callback contact (name, phone) and the comments "
            "of its ratings and callbacks are erased, with the same words in its history (a callback's note, "
            "a citizen's reopen reason or comment) — the case, its description, the staff's notes and "
            "every figure stay; "
            "{residents} days after moving out a resident is anonymised (name, ID number, phone, birth "
            "date, tags and the notes of visits about them). The worker does it hourly; each erasure is "
            "recorded below (what was erased, never the data).",
        ),
        "ret.due": (
            "本管理范围内现已到期：{cases} 件案件的上报人信息、{residents} 名迁出人员",
            "Due now in your area: the reporter data of {cases} cases, {residents} residents who moved out",
        ),
        "ret.at": ("删除时间", "Erased at"),
        "ret.kind": ("类型", "Kind"),
        "ret.record": ("对象", "Record"),
        "ret.fields": ("删除内容", "What was erased"),
        "ret.ended": ("办结/迁出时间", "Ended / moved out"),
        "ret.by": ("执行者", "Erased by"),
        "ret.all_kinds": ("全部类型", "All kinds"),
        "ret.kind.case_contact": ("案件上报人信息", "Case reporter data"),
        "ret.kind.resident": ("迁出人员匿名化", "Resident anonymised"),
        "ret.field.contact_name": ("联系人姓名", "contact name"),
        "ret.field.contact_phone": ("联系电话", "contact phone"),
        "ret.field.rating_comments": ("评价与回访意见", "rating and callback comments"),
        "ret.field.history_notes": ("流程记录中的来电/市民原话", "callers' words in the history"),
        "ret.field.name": ("姓名", "name"),
        "ret.field.id_number": ("身份证号", "ID number"),
        "ret.field.phone": ("电话", "phone"),
        "ret.field.birth_date": ("出生日期", "birth date"),
        "ret.field.tags": ("标签", "tags"),
        "ret.field.visit_notes": ("走访记录文字", "visit notes"),
        "ret.by_worker": ("后台任务", "the worker"),
        "ret.resident": ("人员 #{id}", "Resident #{id}"),
        "ret.total": ("共 {total} 条", "{total} erasures"),
        "ret.none": ("还没有删除记录", "Nothing erased yet"),
    }
)


@router.get("/admin/retention")
def retention_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    kind: Annotated[Literal["", "case_contact", "resident"], Query()] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The retention rules in force, what is due now, and the record of erasures (admins, their area)."""
    scope = admin_scope(user)
    flt = retention.ErasureFilter(kind=retention.Kind(kind) if kind else None)
    with platform.sessions() as db:
        rows, total = retention.erasures(platform, db, user, flt, limit=PAGE, offset=(page - 1) * PAGE)
        due_cases, due_residents = retention.due(platform, db, scope)
    settings = platform.settings
    return render(
        request,
        "admin/retention.html",
        user=user,
        section="retention",
        area=scope_name(user, words(request)),
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        kind=kind,
        query={"kind": kind} if kind else {},
        days={"cases": settings.contact_retention_days, "residents": settings.resident_retention_days},
        due={"cases": due_cases, "residents": due_residents},
    )
