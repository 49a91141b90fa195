"""Pages under a policy that allows exactly what they hold; the gateway keeps such a policy
and nothing looser; the docs pages' vendored assets are pinned, licensed and local."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.docs_pages import STATIC_DIR
from gateway.security_headers import SecurityHeadersMiddleware
from ombuds_shared.pages import html_page, page_policy, style_hashes

PAGE = "<html><head><style>h1{color:red}</style></head><body><h1>x</h1></body></html>"
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def test_a_page_policy_names_the_hash_of_each_style_element_and_nothing_else() -> None:
    digest = base64.b64encode(hashlib.sha256(b"h1{color:red}").digest()).decode()
    assert style_hashes(PAGE) == [f"'sha256-{digest}'"]
    policy = page_policy(PAGE)
    assert policy.startswith("default-src 'none'; ")
    assert f"style-src 'sha256-{digest}';" in policy
    assert "script-src" not in policy
    assert "unsafe" not in policy
    assert "http" not in policy
    # A style added after rendering (an injection) has another hash: not allowed.
    assert style_hashes(PAGE.replace("red", "url(//evil)")) != style_hashes(PAGE)
    assert "style-src" not in page_policy("<p>no styles</p>")


def _gateway_like(headers: dict[str, str] | None) -> httpx.AsyncClient:
    async def page(_: object) -> Response:
        if headers is None:
            return html_page(PAGE)
        return JSONResponse({"ok": True}, headers=headers)

    app = SecurityHeadersMiddleware(Starlette(routes=[Route("/", page)]))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


async def test_the_gateway_keeps_a_page_policy_that_starts_from_none() -> None:
    async with _gateway_like(None) as client:
        response = await client.get("/")
    assert response.headers["content-security-policy"] == page_policy(PAGE)
    assert response.headers["x-frame-options"] == "DENY"


async def test_the_gateway_replaces_a_policy_that_would_lift_the_default() -> None:
    # The attack: a service (or a header smuggled into its answer) loosening the policy.
    framed = "default-src 'none'; style-src 'self'"
    for loose in (
        "default-src *",
        "script-src 'unsafe-inline'",
        "default-src 'none'x",
        # It starts right, then loads from elsewhere, runs inline scripts, lifts the default
        # again, reports to another host or may be framed.
        "default-src 'none'; script-src https://cdn.example.org; frame-ancestors 'none'",
        "default-src 'none'; script-src 'unsafe-inline'; frame-ancestors 'none'",
        "default-src 'none'; img-src *; frame-ancestors 'none'",
        "default-src 'none'; default-src *; frame-ancestors 'none'",
        "default-src 'none'; report-uri https://x.example.org; frame-ancestors 'none'",
        framed,
        # data: scripts, or a page that leaves <base> or forms open.
        "default-src 'none'; script-src data:; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'none'",
        "default-src 'none'; style-src 'self'; frame-ancestors 'none'; form-action 'none'",
        "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    ):
        async with _gateway_like({"content-security-policy": loose}) as client:
            response = await client.get("/")
        assert response.headers.get_list("content-security-policy") == [API_CSP], loose


async def test_json_answers_keep_the_api_policy() -> None:
    async with _gateway_like({}) as client:
        response = await client.get("/")
    assert response.headers.get_list("content-security-policy") == [API_CSP]


def test_vendored_docs_assets_are_pinned_licensed_local_and_of_sane_size() -> None:
    files = [p for p in STATIC_DIR.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    assert total < 8 * 1024 * 1024, total  # no source maps, no duplicate bundles
    assert not [p for p in files if p.suffix == ".map"]
    for folder in ("swagger-ui", "redoc", "graphiql", "react"):
        assert any(p.name.startswith("LICENSE") for p in (STATIC_DIR / folder).iterdir())
    readme = (STATIC_DIR / "README.md").read_text()
    for pinned in ("5.36.0", "2.5.4", "3.8.2", "18.3.1"):
        assert pinned in readme
    # The README's table of hashes matches the files served.
    for name, short in re.findall(r"\| `([^`]+)` \| \d+ KiB \| `([0-9a-f]{16})` \|", readme):
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:16] == short
    assert b"cdn.redoc.ly" not in (STATIC_DIR / "redoc" / "redoc.standalone.js").read_bytes()


def test_the_pages_load_scripts_only_from_the_gateway() -> None:
    for script in (STATIC_DIR / "pages").glob("*.js"):
        text = script.read_text()
        assert "http://" not in text, script
        assert "https://" not in text, script
    assert Path(STATIC_DIR / "pages" / "docs.css").exists()
