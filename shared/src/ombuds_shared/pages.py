"""HTML pages under a content-security policy that allows exactly what the page holds.

The API's policy is `default-src 'none'`: nothing loads, nothing runs, no inline style
applies. A page a person opens (the annual report, a printable certificate) needs its
own `<style>` elements and nothing else, so it carries a policy naming the SHA-256 of
each of them, computed from the page as rendered: an injected style element, or one
changed after rendering, does not match and is ignored by the browser. The gateway's
security-headers middleware keeps such a policy instead of overwriting it, because it
starts from the same `default-src 'none'` (see `gateway.security_headers`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from fastapi.responses import HTMLResponse

__all__ = [
    "BASE_POLICY",
    "html_page",
]

# What every page policy starts from; anything allowed is added after it.
BASE_POLICY = "default-src 'none'"
# Never framed, no <base> rewriting, no form posting anywhere.
_CLOSING = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The raw text of a <style> element, as the browser hashes it (HTML or inline SVG).
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)


def style_hashes(page: str) -> list[str]:
    """The CSP source expressions (`'sha256-…'`) of the page's `<style>` elements."""
    found = dict.fromkeys(
        base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        for body in _STYLE_ELEMENT.findall(page)
    )
    return [f"'sha256-{digest}'" for digest in found]


def page_policy(page: str, extra: Iterable[str] = ()) -> str:
    """The content-security policy of `page`: its own style elements, plus `extra`
    directives (e.g. `img-src data:`), and nothing from anywhere else."""
    directives = [BASE_POLICY]
    hashes = style_hashes(page)
    if hashes:
        directives.append("style-src " + " ".join(hashes))
    directives += [*extra, _CLOSING]
    return "; ".join(directives)


def html_page(page: str, *, status_code: int = 200, extra: Iterable[str] = ()) -> HTMLResponse:
    """An HTML response whose policy allows exactly the page's own style elements."""
    return HTMLResponse(
        page,
        status_code=status_code,
        headers={"content-security-policy": page_policy(page, extra)},
    )
