"""Rendering the pages: the Jinja2 templates (autoescaped) and the security headers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["HEADERS", "page"]

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
"""Sent with every response: no inline script, no framing (clickjacking), no caching of
patient data."""

_TEMPLATES = Environment(
    loader=PackageLoader("trialkit.web", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template rendered as an HTML response."""
    html = _TEMPLATES.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)
