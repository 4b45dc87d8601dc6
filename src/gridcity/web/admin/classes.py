"""Classes (部件事件类别): the catalogue with its limits and, for the admin's area, the owner and
cooperating units; a CSV export; and the edit page of one class. Time limits, the default owner
and the cooperating units apply to the whole city (the city admin sets them); the admin of a
district or street sets the owner of a class within their area. Edits go through
services.classes.patch_class, which checks the values and the tier."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from gridcity.db.models import OrgUnit
from gridcity.domain.errors import DomainError, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.taxonomy import NETWORKS, REQUIRED_STAGES, Catalogue, ClassDef, Stage
from gridcity.services import classes
from gridcity.services.classes import ClassBook
from gridcity.services.platform import Platform
from gridcity.web.admin.common import (
    admin_scope,
    areas_in_scope,
    page_or_error,
    read_form,
    scope_name,
    template_label,
    text,
    words,
)
from gridcity.web.pages import PAGE_SIZE, PageUser, PlatformDep, csv_response, render

router = APIRouter(include_in_schema=False)
STAGES = tuple(s.value for s in Stage)
KINDS = ("component", "event")


class Names:
    """Department names for display: the units in the database, else the catalogue's (templates
    shown with （区）/（街道） in place of the district or street)."""

    def __init__(self, db: Session, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.units = dict(
            db.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.kind == "department")).all()
        )

    def __call__(self, code: str) -> str:
        if code in self.units:
            return str(self.units[code])
        try:
            return template_label(self.catalogue.department(code).name)
        except (NotFound, Invalid):
            return template_label(code)


def _area_parts(scope: str) -> tuple[str | None, str | None]:
    """The district and street a scope names (for resolving owners in the admin's area)."""
    if not scope:
        return None, None
    return scope[:6], scope[:9] if len(scope) >= 9 else None


def owner_here(cls: ClassDef, scope: str) -> str:
    """The owner code of a class in the admin's area: the default (maybe a template) for the city,
    the concrete department for a district or street (a street template stays a template at the
    district tier: each street's own unit owns the class there)."""
    district, street = _area_parts(scope)
    if district is None:
        return cls.owner_department
    code = cls.owner_by_area.get(street or "") or cls.owner_by_area.get(district) or cls.owner_department
    return _resolve(code, district, street)


def cooperating_here(cls: ClassDef, scope: str) -> tuple[str, ...]:
    district, street = _area_parts(scope)
    if district is None:
        return cls.cooperating
    return tuple(_resolve(code, district, street) for code in cls.cooperating)


def _resolve(code: str, district: str, street: str | None) -> str:
    if "{street}" in code and street is None:
        return code
    return code.format(district=district, street=street or "")


def _search(book: ClassBook, standard: str, kind: str, network: str, q: str) -> list[ClassDef]:
    if standard and standard not in book.catalogue.standards:
        raise Invalid(
            message("list.unknown_standard", standard=standard, standards=", ".join(book.catalogue.standards))
        )
    if kind and kind not in KINDS:
        raise Invalid(message("list.unknown_kind"))
    if network and network not in NETWORKS:
        raise Invalid(message("list.unknown_network", network=network, networks=", ".join(NETWORKS)))
    return book.search(standard=standard or None, network=network or None, kind=kind or None, text=q or None)


def _row(cls: ClassDef, catalogue: Catalogue, scope: str, names: Names) -> dict[str, Any]:
    owner = owner_here(cls, scope)
    cooperating = cooperating_here(cls, scope)
    return {
        "cls": cls,
        "limits": {s: cls.limit(s) for s in STAGES},  # the rework limit derived when not set
        "owner": owner,
        "owner_name": names(owner),
        "cooperating": [(c, names(c)) for c in cooperating],
        "area_owners": {a: o for a, o in cls.owner_by_area.items() if a.startswith(scope)},
    }


@router.get("/admin/classes")
def classes_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    standard: Annotated[str, Query(max_length=40)] = "",
    kind: Annotated[str, Query(max_length=12)] = "",
    network: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=50)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    saved: Annotated[str, Query(max_length=80)] = "",
) -> HTMLResponse:
    scope = admin_scope(user)
    with platform.sessions() as db:
        book = platform.catalogue(db)
        found = _search(book, standard, kind, network, q.strip())
        names = Names(db, book.catalogue)
        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        rows = [_row(c, book.catalogue, scope, names) for c in shown]
    return render(
        request,
        "admin/classes.html",
        user=user,
        section="classes",
        area=scope_name(user, words(request)),
        rows=rows,
        total=len(found),
        page=page,
        pages=max(1, -(-len(found) // PAGE_SIZE)),
        first=(page - 1) * PAGE_SIZE + 1,
        standards=book.catalogue.standards,
        networks=NETWORKS,
        kinds=KINDS,
        stages=STAGES,
        filters={"standard": standard, "kind": kind, "network": network, "q": q.strip()},
        notice=f"{words(request)('admin.saved')}: {saved}" if saved else None,
    )


@router.get("/admin/classes.csv")
def classes_csv(
    platform: PlatformDep,
    user: PageUser,
    standard: Annotated[str, Query(max_length=40)] = "",
    kind: Annotated[str, Query(max_length=12)] = "",
    network: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=50)] = "",
) -> Response:
    """Every class of the filter, with the owner and cooperating units of the admin's area."""
    scope = admin_scope(user)
    with platform.sessions() as db:
        book = platform.catalogue(db)
        names = Names(db, book.catalogue)
        found = _search(book, standard, kind, network, q.strip())
        rows = []
        for c in found:
            r = _row(c, book.catalogue, scope, names)
            rows.append(
                [
                    c.standard,
                    c.kind,
                    c.code,
                    c.name,
                    c.network,
                    *(str(r["limits"][s]) for s in STAGES),
                    r["owner"],
                    r["owner_name"],
                    ";".join(code for code, _ in r["cooperating"]),
                    ";".join(name for _, name in r["cooperating"]),
                ]
            )
    header = [
        "standard",
        "kind",
        "code",
        "name",
        "network",
        *(f"limit_{s}" for s in STAGES),
        "owner_code",
        "owner_name",
        "cooperating_codes",
        "cooperating_names",
    ]
    return csv_response("gridcity-classes.csv", header, rows)


# --- one class -----------------------------------------------------------------------------


def _find(book: ClassBook, ref: str) -> ClassDef:
    if not ref:
        raise Invalid(message("classes.ref_needed"))
    return book.catalogue.by_ref(ref)


def _edit_page(
    request: Request,
    platform: Platform,
    db: Session,
    user: Principal,
    ref: str,
    error: str | None = None,
    status_code: int = 200,
    notice: str | None = None,
    submitted: FormData | None = None,
) -> HTMLResponse:
    scope = admin_scope(user)
    book = platform.catalogue(db)
    cls = _find(book, ref)
    names = Names(db, book.catalogue)
    catalogue = book.catalogue
    areas = areas_in_scope(db, user)
    area_names = {u.code: u.name for u in areas}
    # departments an admin may name: for the city admin the catalogue's (templates resolve to the
    # case's district or street); for a district or street, the city-wide units and their own
    choices = [
        (code, names(code))
        for code, d in sorted(catalogue.departments.items())
        if not scope or (not d.template and not d.territory)
    ]
    if scope:
        own = db.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == "department", OrgUnit.scope_code.startswith(scope))
            .order_by(OrgUnit.code)
        )
        choices += [(u.code, u.name) for u in own]
    known = {code for code, _ in choices}
    for code in (cls.owner_department, *cls.cooperating):
        if code not in known:  # set elsewhere (a file, the API): keep it selectable
            choices.append((code, names(code)))
            known.add(code)
    row = _row(cls, catalogue, scope, names)
    values = {
        **{f"limit_{s}": _set_limit(cls, s) for s in STAGES},
        **{
            f"urgent_{s}": str(cls.urgent_limits[Stage(s)]) if Stage(s) in cls.urgent_limits else ""
            for s in STAGES
        },
    }
    if submitted is not None:
        values.update({k: str(v) for k, v in submitted.items() if k.startswith(("limit_", "urgent_"))})
    return render(
        request,
        "admin/class_edit.html",
        status_code=status_code,
        user=user,
        section="classes",
        area=scope_name(user, words(request)),
        cls=cls,
        row=row,
        stages=STAGES,
        values=values,
        city_admin=not scope,
        choices=choices,
        areas=areas,
        area_names=area_names,
        area_owners=[(a, area_names.get(a, a), o, names(o)) for a, o in sorted(row["area_owners"].items())],
        error=error,
        notice=notice,
    )


@router.get("/admin/classes/edit")
def class_page(
    request: Request,
    platform: PlatformDep,
    user: PageUser,
    ref: Annotated[str, Query(max_length=80)] = "",
    saved: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    admin_scope(user)
    t = words(request)
    notice = {"1": t("admin.saved"), "0": t("admin.unchanged")}.get(saved)
    with platform.sessions() as db:
        return _edit_page(request, platform, db, user, ref, notice=notice)


def _limits_patch(form: FormData, cls: ClassDef) -> dict[str, Any]:
    limits: dict[str, str] = {}
    urgent: dict[str, str] = {}
    for s in STAGES:
        given = text(form, f"limit_{s}", max_length=40)
        if given != _set_limit(cls, s):
            if not given and Stage(s) in REQUIRED_STAGES:
                raise Invalid(message("classes.limit_required", stage=s, stage_zh=Stage(s).label_zh))
            limits[s] = given  # "" for rework: back to half the disposal limit
        before = str(cls.urgent_limits[Stage(s)]) if Stage(s) in cls.urgent_limits else ""
        urgent_given = text(form, f"urgent_{s}", max_length=40)
        if urgent_given != before:
            urgent[s] = urgent_given  # "" removes the urgent limit
    patch: dict[str, Any] = {}
    if limits:
        patch["limits"] = limits
    if urgent:
        patch["urgent_limits"] = urgent
    return patch


def _set_limit(cls: ClassDef, stage: str) -> str:
    """The limit the class sets for a stage, "" when it sets none (rework: half the disposal limit)."""
    return str(cls.limits[Stage(stage)]) if Stage(stage) in cls.limits else ""


def _owners_patch(form: FormData, cls: ClassDef) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    owner = text(form, "owner_department", required=message("classes.owner_needed"), max_length=60)
    if owner != cls.owner_department:
        patch["owner_department"] = owner
    cooperating = [str(v) for v in form.getlist("cooperating") if str(v)]
    if list(dict.fromkeys(cooperating)) != list(cls.cooperating):
        if owner in cooperating:
            raise Invalid(message("classes.owner_cooperating"))
        patch["cooperating"] = cooperating
    return patch


def _area_patch(form: FormData, cls: ClassDef, clear: bool) -> dict[str, Any]:
    area = text(form, "area", required=message("classes.area_needed"), max_length=12)
    if clear:
        if area not in cls.owner_by_area:
            raise Invalid(message("classes.no_area_owner", area=area))
        return {"owner_by_area": {area: ""}}
    owner = text(form, "area_owner", required=message("classes.area_owner_needed"), max_length=60)
    if cls.owner_by_area.get(area) == owner:
        return {}
    return {"owner_by_area": {area: owner}}


PARTS: dict[str, Callable[[FormData, ClassDef], dict[str, Any]]] = {
    "limits": _limits_patch,
    "owners": _owners_patch,
    "area": lambda form, cls: _area_patch(form, cls, clear=False),
    "clear_area": lambda form, cls: _area_patch(form, cls, clear=True),
}


@router.post("/admin/classes/edit")
async def edit_class(request: Request, platform: PlatformDep, user: PageUser) -> Response:
    admin_scope(user)
    form = await read_form(request)
    ref = str(form.get("ref") or "")
    part = str(form.get("part") or "")

    def work(db: Session) -> Response:
        if part not in PARTS:
            raise Invalid(message("classes.unknown_part", part=part))
        cls = _find(platform.catalogue(db), ref)
        patch = PARTS[part](form, cls)
        if not patch:
            return RedirectResponse(f"/admin/classes/edit?{_q(ref)}&saved=0", status_code=303)
        classes.patch_class(platform, db, user, cls.code, cls.standard, {"kind": cls.kind, **patch})
        return RedirectResponse(f"/admin/classes/edit?{_q(ref)}&saved=1", status_code=303)

    def failed(db: Session, exc: DomainError) -> HTMLResponse:
        try:
            return _edit_page(
                request,
                platform,
                db,
                user,
                ref,
                error=exc.message,
                status_code=exc.status_code,
                submitted=form,
            )
        except DomainError:  # the class itself is unknown: no form to show it on
            return render(request, "error.html", status_code=exc.status_code, message=exc.message, user=user)

    return await platform.run_write(page_or_error(platform, work, failed))


def _q(ref: str) -> str:
    return urlencode({"ref": ref})
