"""Real headless Debian Chromium (selenium) and a stdlib HTTP server for a folder, for tests.

`chromium()` yields a selenium driver with browser console logging on; `serve_folder(root)`
yields the base URL of a ThreadingHTTPServer on 127.0.0.1:<free port> serving `root`.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL_HINT = "run `bash .ci/install-system-deps` (installs Debian chromium and chromium-driver)"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


def require_chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver, or FAIL the test saying how to install them."""
    missing = [
        p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).is_file() and os.access(p, os.X_OK))
    ]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: {INSTALL_HINT}", pytrace=False)
    return CHROMIUM, CHROMEDRIVER


@contextmanager
def chromium() -> Iterator[Any]:
    """Start headless Chromium with a fresh profile; yield the selenium WebDriver; quit it."""
    binary, driver_path = require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    scratch = Path(tempfile.mkdtemp(prefix="chromium-"))
    profile, tmp = scratch / "profile", scratch / "tmp"
    tmp.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver_path, env={**os.environ, "TMPDIR": str(tmp)})
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_window_size(1280, 900)
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(scratch, ignore_errors=True)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static file handler that does not log every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """Serve `root` over HTTP on 127.0.0.1 (free port); yield 'http://127.0.0.1:<port>'."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def severe_console_entries(driver: Any) -> list[dict]:
    """Browser console entries at SEVERE level since the last call (the log is drained)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
