"""What every page module shares: the templates, the platform and signed-in user as
dependencies, rendering with the person's language and CSRF token, and CSV downloads."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from gridcity.db.models import MAX_ID, MAX_ROW_ID
from gridcity.domain.errors import Forbidden
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services.platform import Platform
from gridcity.services.spreadsheet_cells import csv_writer
from gridcity.web import i18n, session

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
STATIC_DIR = Path(__file__).with_name("static")
PAGE_SIZE = 100

# words for screen readers only (the `visually-hidden` class, aria-label): names of what the eye
# reads from the layout — an action column, a map
i18n.add_words(
    {
        "a11y.row_actions": ("操作", "Actions"),
        "a11y.case_map": ("案件位置地图", "Map of the case's place"),
        "a11y.component_map": ("部件位置地图", "Map of the component's place"),
        "a11y.grid_map": ("网格地图", "Map of the grids"),
    }
)


def _platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


PlatformDep = Annotated[Platform, Depends(_platform)]


class SignInRequired(Exception):
    """Raised by page dependencies; the app turns it into a redirect to the sign-in page."""


def page_user(request: Request, platform: PlatformDep) -> Principal:
    user = session.current_user(platform, request)
    if user is None:
        raise SignInRequired()
    return user


PageUser = Annotated[Principal, Depends(page_user)]
# ids in page paths: a number beyond what the columns hold is a 422, never a driver error
CasePath = Annotated[int, FastPath(ge=1, le=MAX_ID)]
RowPath = Annotated[int, FastPath(ge=1, le=MAX_ROW_ID)]


def require_role(user: Principal, *roles: Role) -> None:
    """A page meant for some roles only: anyone else gets a clear 403 page."""
    if user.role not in roles:
        raise Forbidden(
            message(
                "page.not_for_role",
                roles_zh="、".join(r.label_zh for r in roles),
                roles_en=", ".join(r.label_en for r in roles),
            )
        )


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = i18n.language(request)
    token = session.session_token(request)
    # without a session, forms carry the visitor's double-submit token (public portal)
    anonymous = None if token else session.anonymous_csrf(request)
    context.setdefault("user", None)
    if "tz" not in context:  # the calendar may ask the database: only when the caller did not say
        context["tz"] = request.app.state.platform.calendar().tz
    response = TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "t": i18n.translator(lang),
            **i18n.labels(lang),
            "lang": lang,
            "csrf": session.csrf_for(token) if token else anonymous,
            "csrf_field": session.CSRF_FIELD,
            **context,
        },
        status_code=status_code,
    )
    if anonymous is not None:
        session.set_anonymous_csrf(request, response, anonymous)
    return response


def back(request: Request) -> RedirectResponse:
    """Back to the page the person came from, if it is one of ours."""
    referer = request.headers.get("referer") or "/"
    return RedirectResponse(referer if referer.startswith(str(request.base_url)) else "/", status_code=303)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A list page's CSV download: UTF-8 with a byte-order mark so that spreadsheet programs read
    the Chinese text correctly; None becomes an empty cell."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


async def read_photos(
    form: FormData, limit_bytes: int, name: str = "photos", max_count: int | None = None
) -> list[tuple[str, bytes]]:
    """The files a form uploaded under `name`, as (filename, bytes). Each is read to one byte past
    the limit, so an oversized photo is recognised (and refused by the services) without reading
    all of it; files past `max_count` are not read. The spooled temporary files are closed."""
    found: list[tuple[str, bytes]] = []
    for upload in form.getlist(name):
        if isinstance(upload, StarletteUpload):
            if upload.filename and (max_count is None or len(found) <= max_count):
                found.append((upload.filename, await upload.read(limit_bytes + 1)))
            await upload.close()
    return found
