"""The security headers every answer carries — pages, API JSON, Open311, static files, redirects,
error pages, the API docs — set by one pure ASGI middleware (docs/security.md#headers).

- Content-Security-Policy: scripts only from our own files (no inline script, no eval), no plugins,
  no framing, forms post only to us, images from us, `data:` URIs (Leaflet's and the pages' small
  icons) and the city's tile server when one is configured.
- X-Frame-Options DENY (older browsers' frame-ancestors), X-Content-Type-Options nosniff.
- Referrer-Policy same-origin: our own pages get the full address (web/pages.py `back` returns to
  it), any other site nothing at all — a case number, a resident's page or a search for a name in
  an address never reaches a tile server or a linked site, not even as our origin.
- Strict-Transport-Security only when the answer went out over TLS (`served_over_tls`).

A route may send its own Content-Security-Policy (the ReDoc page needs inline styles and a data:
font): the middleware leaves a header the answer already has.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridcity.config import Settings

# a year; no includeSubDomains: the city's other hosts under the same domain are not ours to bind
HSTS = "max-age=31536000"


def tile_source(map_tiles_url: str) -> str | None:
    """The CSP source of the city's tile server ('https://{s}.tiles.example/{z}/{x}/{y}.png' →
    'https://*.tiles.example'); None without one. A placeholder in the host other than a leading
    label cannot be a host source: the scheme alone stands for it then."""
    if not map_tiles_url:
        return None
    parts = urlsplit(map_tiles_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = re.sub(r"^\{[a-z]+\}\.", "*.", parts.netloc)
    if "{" in host or "}" in host:
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings, *, runtime_styles: bool = False) -> str:
    """The policy of every answer; `runtime_styles` for a page whose vendored library writes its
    <style> elements and a data: font at run time (ReDoc). Scripts never run inline, on any page."""
    images = ["'self'", "data:"]
    tiles = tile_source(settings.map_tiles_url)
    if tiles:
        images.append(tiles)
    styles = ["'self'", "'unsafe-inline'"] if runtime_styles else ["'self'"]
    fonts = ["'self'", "data:"] if runtime_styles else ["'self'"]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": styles,
        "img-src": images,
        "font-src": fonts,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def served_over_tls(scope: Scope, settings: Settings) -> bool:
    """Whether this request reached us over HTTPS. `GRIDCITY_BEHIND_TLS` says so for every
    request (a proxy terminates TLS and nothing reaches us otherwise); else the request's scheme as
    the ASGI server gives it: https when uvicorn terminates TLS, or when it accepted a proxy's
    X-Forwarded-Proto — which uvicorn does only from the addresses of `--forwarded-allow-ips`
    (default 127.0.0.1). This code never reads X-Forwarded-Proto itself, so a client that sends
    one from anywhere else cannot switch HSTS or Secure cookies on (docs/security.md#headers)."""
    return settings.behind_tls or scope.get("scheme") == "https"


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to the start of every HTTP answer."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.fixed = [
            ("Content-Security-Policy", content_security_policy(settings)),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = served_over_tls(scope, self.settings)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.fixed:
                    headers.setdefault(name, value)
                if tls:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
