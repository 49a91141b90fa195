"""A real Chromium (Debian's, never a downloaded one) against the real system on 127.0.0.1.

`watched` opens a page and records what a user's browser would complain about: console
errors (a CSP violation is one), requests that failed or answered >= 400, and requests to
any host but the gateway. Screenshots go to $OMBUDS_ARTIFACTS_DIR (default .ci/artifacts/).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ombuds import system
from ombuds_testing import TestDatabases
from tests.e2e.conftest import system_running

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("no Chromium installed (.ci/run installs Debian's)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

# No network of its own: no updates, no sync, no first-run pages.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Bounds every wait in these tests (milliseconds); generous: CI machines are shared.
TIMEOUT_MS = 90_000


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("OMBUDS_ARTIFACTS_DIR") or ".ci/artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# For the whole folder: the pages only read, and the report's module loads its demo data on top.
@pytest.fixture(scope="package")
def browser(running_system: system.System) -> Iterator[Any]:
    # After the system is up: Playwright's sync API holds an event loop in this thread,
    # and starting the system runs one of its own.
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="package")
def running_system(
    tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases
) -> Iterator[system.System]:
    # The report draws every chart cold; on a shared CI machine that can outlast the
    # gateway's default wait for a service.
    slow = {"OMBUDS_GATEWAY_PEER_TIMEOUT_SECONDS": "120"}
    with system_running(tmp_path_factory.mktemp("ombuds-browser"), databases, env=slow) as running:
        yield running


@dataclass
class Watched:
    """A page and what went wrong while it was open."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.failed == [], self.failed
        assert self.foreign == [], self.foreign

    def wait_for(self, selector: str) -> None:
        """Waits for `selector`; on a timeout, says what the browser complained of."""
        try:
            self.page.wait_for_selector(selector, timeout=2 * TIMEOUT_MS)
        except sync_api.TimeoutError:
            self.screenshot("timed-out-" + "".join(c for c in selector if c.isalnum()), False)
            raise AssertionError(
                f"{selector} never appeared; console: {self.console_errors}; "
                f"failed: {self.failed}; foreign: {self.foreign}"
            ) from None

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        path = artifacts_dir() / f"{name}.png"
        # caret="initial": no style injected into the page (an SVG document has no caret).
        self.page.screenshot(path=str(path), full_page=full_page, caret="initial")
        return path


@pytest.fixture
def watched(browser: Any, running_system: system.System) -> Iterator[Any]:
    """Opens pages of the gateway in a fresh context, optionally with a bearer token."""
    gateway = urlsplit(running_system.url("gateway")).netloc
    contexts: list[Any] = []

    def open_page(path: str, token: str | None = None) -> Watched:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        viewport = {"width": 1200, "height": 900}
        context = browser.new_context(extra_http_headers=headers, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        seen = Watched(page)
        page.on("console", lambda m: seen.console_errors.append(m.text)
                if m.type == "error" else None)  # fmt: skip
        page.on("pageerror", lambda e: seen.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: seen.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: seen.failed.append(f"{r.url} {r.status}")
                if r.status >= 400 else None)  # fmt: skip
        page.on("request", lambda r: seen.foreign.append(r.url)
                if urlsplit(r.url).scheme in ("http", "https")
                and urlsplit(r.url).netloc != gateway else None)  # fmt: skip
        page.goto(f"{running_system.url('gateway')}{path}", wait_until="networkidle")
        return seen

    yield open_page
    for context in contexts:
        context.close()
