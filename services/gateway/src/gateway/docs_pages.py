"""The documentation pages, served with their assets from the gateway itself.

Swagger UI (`/docs`), ReDoc (`/redoc`) and GraphiQL (`/graphql`, outside production)
load nothing from any other host: their scripts and styles are vendored, pinned and
licensed in `gateway/static/` (see its README.md), and served under `/static/`. Their
policy allows scripts, styles, fonts and calls from the gateway itself only ('self'),
so no inline script runs and nothing reaches a CDN.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from ombuds_shared.pages import BASE_POLICY

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"

# 'self' for what the page loads and calls; data: images are the stylesheets' own icons.
_SOURCES = [
    BASE_POLICY,
    "script-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
]
DOCS_POLICY = "; ".join([*_SOURCES[:2], "style-src 'self'", *_SOURCES[2:]])
# ReDoc styles its components at run time (styled-components inserts <style> elements
# whose text no hash can name ahead): inline styles, never inline scripts, on its page.
REDOC_POLICY = "; ".join([*_SOURCES[:2], "style-src 'self' 'unsafe-inline'", *_SOURCES[2:]])

router = APIRouter()
graphiql_router = APIRouter()


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def _page(
    title: str, styles: list[str], body: str, scripts: list[str], policy: str = DOCS_POLICY
) -> HTMLResponse:
    links = "".join(f'<link rel="stylesheet" href="{STATIC_PATH}/{s}">' for s in styles)
    sources = "".join(f'<script src="{STATIC_PATH}/{s}"></script>' for s in scripts)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No favicon request: an empty one inline.
        f'<link rel="icon" href="data:,"><title>{html.escape(title)}</title>{links}</head>'
        f"<body>{body}{sources}</body></html>"
    )
    return HTMLResponse(page, headers={"content-security-policy": policy})


@router.get("/docs", include_in_schema=False)
async def swagger_ui() -> HTMLResponse:
    return _page(
        "Ombuds API",
        ["swagger-ui/swagger-ui.css", "pages/docs.css"],
        '<div id="swagger-ui"></div>',
        ["swagger-ui/swagger-ui-bundle.js", "pages/swagger-init.js"],
    )


@router.get("/redoc", include_in_schema=False)
async def redoc() -> HTMLResponse:
    return _page(
        "Ombuds API",
        ["pages/docs.css"],
        '<div id="redoc"></div>',
        ["redoc/redoc.standalone.js", "pages/redoc-init.js"],
        policy=REDOC_POLICY,
    )


@graphiql_router.get("/graphql", include_in_schema=False)
async def graphiql() -> HTMLResponse:
    """The page only: every query it sends still needs the pasted token."""
    bar = (
        '<form class="token-bar" id="token-form" autocomplete="off">'
        '<label for="token">Bearer token</label>'
        '<input id="token" name="token" type="password" placeholder="paste a JWT">'
        '<span class="hint">sent as Authorization on each query; kept in this tab only</span>'
        "</form>"
    )
    return _page(
        "Ombuds GraphQL",
        ["graphiql/graphiql.min.css", "pages/docs.css"],
        bar + '<div id="graphiql"></div>',
        [
            "react/react.production.min.js",
            "react/react-dom.production.min.js",
            "graphiql/graphiql.min.js",
            "pages/graphiql-init.js",
        ],
    )
