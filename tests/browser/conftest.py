"""Fixtures for driving the app in Debian's Chromium: a live server, a browser, a clock.

Playwright's own browser downloads are never used: the tests launch /usr/bin/chromium
and install it with apt-get when they can (as root), or fail saying how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright
from werkzeug.serving import make_server

from tests.helpers import NOW

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Reports every Content-Security-Policy violation on the console, where `problems` sees it.
# Playwright injects init scripts outside the page's CSP, so this runs even when the page
# blocks inline scripts.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def _ensure_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail(
            f"The browser tests need {CHROMIUM}; install it with: sudo apt-get install -y chromium"
        )
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"`{' '.join(command)}` failed, so {CHROMIUM} is missing:\n{result.stderr}")
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get installed chromium but {CHROMIUM} is still missing")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = _ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Clock:
    """The time the study pages see; tests move it on instead of waiting."""

    current: datetime = NOW

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Fix the study pages' clock at NOW, well away from the 04:00 UTC day rollover."""
    clock = Clock()
    monkeypatch.setattr("quizapp.study.routes._now", clock.now)
    return clock


@dataclass(frozen=True)
class LiveServer:
    url: str
    bank: str


@pytest.fixture
def live_server(app: Flask, demo_bank: str, clock: Clock) -> Iterator[LiveServer]:
    """Serve the test app, demo bank loaded, on a free local port until the test ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.port}", bank=demo_bank)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Problems:
    """Console errors and warnings, uncaught page errors and JS dialogs seen by one page."""

    messages: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.messages.append(f"console {message.type}: {message.text}")

    def page_error(self, error: Exception) -> None:
        self.messages.append(f"page error: {error}")

    def dialog(self, dialog: Dialog) -> None:
        self.messages.append(f"{dialog.type} dialog: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def problems() -> Problems:
    """What went wrong in the test's pages; a test asserts it stays empty."""
    return Problems()


def open_page(
    browser: Browser, server: LiveServer, problems: Problems, **context_options: object
) -> Page:
    """A page in a fresh context (its own cookies), reporting to `problems`."""
    context = browser.new_context(base_url=server.url, **context_options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", problems.console)
    page.on("pageerror", problems.page_error)
    page.on("dialog", problems.dialog)
    return page


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, problems: Problems) -> Iterator[Page]:
    """A desktop-sized page on the live server."""
    page = open_page(browser, live_server, problems, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer, problems: Problems) -> Iterator[Page]:
    """A phone-sized touch page (390 x 844 CSS pixels, as an iPhone 12 to 15)."""
    page = open_page(
        browser,
        live_server,
        problems,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    page.context.close()
