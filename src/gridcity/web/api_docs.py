"""The API's docs pages: Swagger UI at /docs and ReDoc at /redoc, from the vendored files under
/static/vendor (VERSIONS.md), never a CDN; they start from static/js/swagger_init.js and
static/js/redoc_init.js, not from inline script, so both pages run under the Content-Security-Policy
(web/security_headers.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridcity.web.pages import TEMPLATES
from gridcity.web.security_headers import content_security_policy

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str) -> HTMLResponse:
    context = {"title": request.app.title, "openapi_url": request.app.openapi_url}
    return TEMPLATES.TemplateResponse(request, name, context)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "api_docs/swagger.html")


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    response = _page(request, "api_docs/redoc.html")
    # ReDoc styles itself by writing <style> elements at run time (styled-components) and embeds an
    # icon font as a data: URI: this page alone allows both; scripts stay 'self' only, as everywhere
    settings = request.app.state.platform.settings
    response.headers["Content-Security-Policy"] = content_security_policy(settings, runtime_styles=True)
    return response
