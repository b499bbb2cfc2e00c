"""A real headless browser (Debian's chromium) driven over the DevTools protocol: load one page, and report every
console error, every uncaught exception, every request the page made, what the rendered DOM holds, and a
screenshot. Every wait is bounded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

START_SECONDS = 30.0  # chromium writes its DevTools port within this
PAGE_SECONDS = 45.0  # the page loads, settles and is measured within this
SETTLE_SECONDS = 1.0  # after the load event: late requests and console messages still count
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # root in CI: chromium refuses to start sandboxed as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--remote-debugging-port=0",
    "--window-size=1100,900",
)

# What the page reports about itself once rendered: its SVG charts and what drew them.
MEASURE_DOM = """JSON.stringify({
  title: document.title,
  svgs: document.querySelectorAll('svg').length,
  charts: Array.from(document.querySelectorAll('figure svg')).map(svg => ({
    title: (svg.querySelector('.title') || {}).textContent || '',
    width: svg.getBoundingClientRect().width,
    height: svg.getBoundingClientRect().height,
    series: svg.querySelectorAll('.series').length,
    shapes: svg.querySelectorAll('.series path, .series rect, .series circle').length,
  })),
  scripts: document.querySelectorAll('script').length,
  failure_rows: document.querySelectorAll('#failures tr.fail').length,
  evidence: Array.from(document.querySelectorAll('#failures td.evidence')).map(td => td.textContent),
  matrix_rows: document.querySelectorAll('#matrix tr').length,
  injected: document.querySelectorAll('#failures td.evidence *').length,
})"""


def chromium() -> str | None:
    """The chromium binary, or None where it is not installed (scripts/browser.sh installs it)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageLoad:
    """What happened while a page loaded: the browser's own view, not the page's source."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dom: dict[str, Any] = field(default_factory=dict)
    screenshot: bytes = b""
    loaded: bool = False


class _Session:
    """One DevTools connection: commands answered by id, events collected as they come."""

    def __init__(self, url: str) -> None:
        self._socket = websocket.create_connection(url, timeout=5)
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self._socket.close()

    def command(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        deadline = time.monotonic() + PAGE_SECONDS
        while time.monotonic() < deadline:
            reply = self._receive(deadline)
            if reply is not None and reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
        raise TimeoutError(f"{method}: no answer within {PAGE_SECONDS} s")

    def pump(self, seconds: float, until: str | None = None) -> bool:
        """Collect events for up to `seconds`; True as soon as event `until` arrives (when given)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            event = self._receive(deadline)
            if until is not None and event is not None and event.get("method") == until:
                return True
        return until is None

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        self._socket.settimeout(max(0.05, min(1.0, deadline - time.monotonic())))
        try:
            message = json.loads(self._socket.recv())
        except websocket.WebSocketTimeoutException:
            return None
        if "method" in message:
            self.events.append(message)
        return dict(message)


def _devtools_url(profile: Path, process: subprocess.Popen[bytes]) -> str:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before it listened")
        lines = port_file.read_text().splitlines() if port_file.exists() else []
        if len(lines) >= 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.1)
    raise TimeoutError(f"chromium did not open its DevTools port within {START_SECONDS} s")


@contextmanager
def _browser(binary: str) -> Iterator[_Session]:
    # Chromium's helper processes (zygote, crash handler) outlive the browser process by a moment and may still write
    # into the profile: the browser runs in its own process group, the whole group is ended, and the profile is
    # removed only after that (leftovers from a straggler are ignored rather than failing the test).
    with tempfile.TemporaryDirectory(prefix="mailcanary-chromium-", ignore_cleanup_errors=True) as profile:
        log = Path(profile) / "chromium.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
        try:
            session = _Session(_devtools_url(Path(profile), process))
            try:
                yield session
            finally:
                session.close()
        finally:
            _end_group(process)


def _end_group(process: subprocess.Popen[bytes]) -> None:
    for signal_number in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, signal_number)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
        break
    # The helpers of the group, if any are left, are asked to end too (the leader is already reaped).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _console_errors(events: list[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        params = event.get("params", {})
        if event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(
                "console: " + " ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"])
            )
        elif event["method"] == "Runtime.exceptionThrown":
            errors.append("exception: " + str(params.get("exceptionDetails", {}).get("text")))
        elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(f"log ({params['entry'].get('source')}): {params['entry'].get('text')}")
    return errors


def load(page: Path) -> PageLoad:
    """Open `page` (a local file) in headless chromium and report what the browser saw."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed")
    result = PageLoad(page.resolve().as_uri())
    with _browser(binary) as browser:
        target = browser.command("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.command("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.command(f"{domain}.enable", session=session)
        browser.events.clear()  # about:blank's own events are not the page's
        browser.command("Page.navigate", {"url": result.url}, session=session)
        result.loaded = browser.pump(PAGE_SECONDS, until="Page.loadEventFired")
        browser.pump(SETTLE_SECONDS)
        measured = browser.command(
            "Runtime.evaluate", {"expression": MEASURE_DOM, "returnByValue": True}, session=session
        )
        result.dom = json.loads(measured["result"]["value"])
        shot = browser.command(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session
        )
        result.screenshot = base64.b64decode(shot["data"])
        events = [event for event in browser.events if event.get("sessionId") == session]
    result.console_errors = _console_errors(events)
    result.requests = [
        event["params"]["request"]["url"] for event in events if event["method"] == "Network.requestWillBeSent"
    ]
    return result
