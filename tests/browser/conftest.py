"""Browser tests: the app served by waitress on 127.0.0.1, driven by Debian's Chromium through Playwright.

Never downloads a browser: Playwright launches /usr/bin/chromium. Screenshots of every step go to
test-output/<test name>/. Any console error in the browser fails the test.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.procs import wait

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    skip = None
    if os.environ.get("TEST_DATABASE_URL"):
        skip = pytest.mark.skip(reason="browser tests run on SQLite only")
    elif not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason="chromium not installed (tests/run.sh installs it)")
    if skip:
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real WSGI server (waitress) on a temporary SQLite database, plus helpers to run flask commands."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
            "SECRET_KEY": "browser-test-secret-key-0123456789",
            "SUPERVISION_UPLOAD_DIR": str(tmp / "uploads"),
            "SUPERVISION_DATA_DIR": str(tmp / "data"),
            "PYTHONUNBUFFERED": "1",
        }
        self.procs = []
        self.logs = []

    def flask(self, *args, input=None) -> str:
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                                input=input, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def start(self):
        self.flask("db", "upgrade")
        log = open(self.tmp / "waitress.log", "w")
        self.logs.append(log)
        proc = subprocess.Popen([sys.executable, "-m", "waitress", "--host", "127.0.0.1", f"--port={self.port}",
                                 "--threads", "4", "wsgi:app"], cwd=ROOT, env=self.env, stdout=log, stderr=log)
        self.procs.append(proc)
        # Polling with a deadline: nothing tells the test when the child's socket is bound. A child that exits
        # (a port clash, an import error) fails at once rather than at the deadline.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(self.url + "/login", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail("waitress did not start:\n" + (self.tmp / "waitress.log").read_text(), pytrace=False)

    def start_process(self, *args, log_name: str):
        log = open(self.tmp / log_name, "w")
        self.logs.append(log)
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                                stdout=log, stderr=log)
        self.procs.append(proc)
        return proc

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                wait(proc, 10, "a server process after SIGKILL")
        for log in self.logs:
            log.close()


@pytest.fixture
def live_server(tmp_path):
    server = LiveServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


class Steps:
    """Screenshots each step under test-output/<test>/NN-name.png."""

    def __init__(self, page, name: str):
        self.page = page
        # TEST_OUTPUT_DIR lets two runs at once (.ci/run: SQLite and PostgreSQL side by side) keep apart.
        out = Path(os.environ.get("TEST_OUTPUT_DIR") or ROOT / "test-output")
        self.dir = out / re.sub(r"[^\w.-]", "_", name)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def shot(self, label: str):
        self.n += 1
        self.page.screenshot(path=str(self.dir / f"{self.n:02d}-{label}.png"), full_page=True)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    pg = context.new_page()
    errors = []
    pg.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    pg.set_default_timeout(15000)
    pg.steps = Steps(pg, request.node.name)
    yield pg
    context.close()
    assert errors == [], "browser console errors:\n" + "\n".join(errors)
