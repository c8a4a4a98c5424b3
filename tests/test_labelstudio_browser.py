"""The example task opened in a real browser (headless Chromium) shows the pre-annotated regions; so does a
task imported through the UI into a project that `attrib backend` drafts.

Needs Debian's `chromium` and `chromium-driver` (skipped without them). Talks W3C WebDriver to
chromedriver over HTTP directly: no Selenium. Logs in as the test server's admin, opens the task in
the labeling view, and checks that every predicted region is drawn at its offsets, in its label's
colour, on the screenshot.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from attrib.labelstudio import server
from attrib.lsjson.config import COLORS, guidelines
from attrib.labelstudio.projects import push
from attrib.records import iter_records
from test_labelstudio_server import RECORDS

Image = pytest.importorskip("PIL.Image")  # a label-studio dependency

pytestmark = pytest.mark.labelstudio

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000"]


class Browser:
    """A headless Chromium driven through chromedriver's W3C WebDriver HTTP API."""

    def __init__(self, profile: Path) -> None:
        port = server.free_port()
        self.driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.http.get("/status")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        options = {"binary": CHROMIUM, "args": [*FLAGS, f"--user-data-dir={profile}"]}
        body = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}}
        self.session = self._value(self.http.post("/session", json=body))["sessionId"]

    @staticmethod
    def _value(response: httpx.Response):
        value = response.json()["value"]
        if response.status_code >= 400:
            raise RuntimeError(f"WebDriver: {value.get('error')}: {value.get('message', '')[:300]}")
        return value

    def command(self, method: str, path: str, body: dict | None = None):
        return self._value(self.http.request(method, f"/session/{self.session}{path}", json=body))

    def open(self, url: str) -> None:
        self.command("POST", "/url", {"url": url})

    def element(self, css: str) -> str:
        return next(iter(self.command("POST", "/element", {"using": "css selector", "value": css}).values()))

    def type(self, css: str, text: str) -> None:
        self.command("POST", f"/element/{self.element(css)}/value", {"text": text})

    def click(self, css: str) -> None:
        self.command("POST", f"/element/{self.element(css)}/click", {})

    def run(self, script: str):
        return self.command("POST", "/execute/sync", {"script": script, "args": []})

    def screenshot(self) -> bytes:
        return base64.b64decode(self.command("GET", "/screenshot"))

    def close(self) -> None:
        try:
            self.http.delete(f"/session/{self.session}")
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=20)


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("needs Debian's chromium and chromium-driver")
    opened = Browser(tmp_path / "profile")
    yield opened
    opened.close()


DRAWN = """return Array.from(document.querySelectorAll('.htx-highlight')).map(e => [
    e.className, +e.dataset.start, +e.dataset.end, getComputedStyle(e).backgroundColor])"""


def drawn_regions(browser: Browser, expected: int, timeout: float = 60) -> dict[str, tuple]:
    """Region id -> (start, end, background) of what the page draws, once all `expected` are there."""
    deadline = time.monotonic() + timeout
    while True:
        regions: dict[str, tuple] = {}
        for classes, start, end, background in browser.run(DRAWN):
            found = re.search(r"htx-highlight-(\S+)-\d+(?:\s|$)", classes)
            if found:  # a region split by others is drawn as several spans: keep its outer offsets
                old = regions.get(found[1], (start, end, background))
                regions[found[1]] = (min(old[0], start), max(old[1], end), background)
        if len(regions) >= expected or time.monotonic() > deadline:
            return regions
        time.sleep(0.5)


def rgb(label: str) -> tuple[int, int, int]:
    return tuple(int(COLORS[label][i:i + 2], 16) for i in (1, 3, 5))


def tinted_pixels(png: Path, label: str) -> int:
    """Pixels of the screenshot in the label's colour as drawn: 30% over the page's background."""
    colors = Image.open(png).convert("RGB").getcolors(maxcolors=1 << 24)
    background = max(colors)[1]
    tint = [0.3 * c + 0.7 * b for c, b in zip(rgb(label), background)]
    return sum(n for n, color in colors if all(abs(c - t) <= 4 for c, t in zip(color, tint)))


def wait_for(check, timeout: float = 60, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)
    return found


def log_in(browser: Browser, label_studio) -> None:
    browser.open(f"{label_studio.url}/user/login/")
    browser.type("input[name=email]", label_studio.login.email)
    browser.type("input[name=password]", label_studio.login.password)
    browser.click("form button[type=submit], form input[type=submit]")
    wait_for(lambda: "/user/login" not in browser.command("GET", "/url"))  # logged in before going on


def test_the_example_task_shows_its_regions(label_studio, browser, seed_gold, tmp_path):
    client = label_studio.client()
    records = [*iter_records([seed_gold]), RECORDS[0]]  # the bundled example, and the emoji/CRLF document
    report = push(client, records, "browser check", "attrib-browser-check")

    log_in(browser, label_studio)
    for task_id in report.task_ids:
        (prediction,) = client.sdk.tasks.get(id=str(task_id)).predictions
        regions = {r["id"]: r for r in prediction.result if r["type"] == "labels"}
        browser.open(f"{label_studio.url}/projects/{report.project_id}/data?task={task_id}")
        drawn = drawn_regions(browser, len(regions))
        shot = tmp_path / f"task-{task_id}.png"
        shot.write_bytes(browser.screenshot())

        assert sorted(drawn) == sorted(regions)
        if guidelines():
            assert browser.run("return document.querySelector('.ant-collapse-header-text').textContent") == "Guidelines"
        for rid, region in regions.items():
            label = region["value"]["labels"][0]
            assert drawn[rid][:2] == (region["value"]["start"], region["value"]["end"]), rid
            assert drawn[rid][2] == f"rgba({', '.join(map(str, rgb(label)))}, 0.3)", rid
        tinted = {label: tinted_pixels(shot, label) for label in ("SOURCE", "CUE", "CONTENT")}
        assert all(n > 500 for n in tinted.values()), (shot, tinted)  # every label's colour is on the screen


# Once the file is uploaded: "treat as a list of tasks" (a line, a task; the page may render again and reset it),
# then the import dialog's Import button (the last one: the page has its own).
IMPORT_AS_TASKS = """const radio = document.querySelector('input[type=radio][value=tasks]');
if (!radio) return false;
if (!radio.checked) { radio.click(); return false; }
const button = Array.from(document.querySelectorAll('button')).filter(e => e.textContent.trim() == 'Import').pop();
if (!button || button.disabled) return false;
button.click(); return true"""


def test_a_task_imported_through_the_ui_opens_with_the_backends_drafts(label_studio, attrib_backend, browser, tmp_path):
    from attrib.labelstudio.mlbackend import connect_backend
    from test_backend_server import expected_predictions

    client = label_studio.client()
    project_id = push(client, [], "browser backend").project_id
    connect_backend(client, project_id, attrib_backend.url)
    text = "Rain 🌧️ is coming, forecasters warned on Monday. “Roads are closed,” the mayor told reporters."
    article = tmp_path / "article.txt"
    article.write_text(text + "\n", encoding="utf-8")

    log_in(browser, label_studio)
    browser.open(f"{label_studio.url}/projects/{project_id}/data/import")
    wait_for(lambda: browser.run("return document.querySelector('input[type=file]') !== null"))
    browser.type("input[type=file]", str(article))  # the file dialog's input
    wait_for(lambda: browser.run(IMPORT_AS_TASKS))
    (task,) = wait_for(lambda: list(client.tasks(project_id)))  # imported without a prediction: the backend drafts it
    assert task["data"]["text"] == text and task["total_annotations"] == 0

    browser.open(f"{label_studio.url}/projects/{project_id}/data?task={task['id']}")
    (want,) = expected_predictions([text], attrib_backend.version)
    regions = {r["id"]: r for r in want["result"] if r["type"] == "labels"}
    drawn = drawn_regions(browser, len(regions))
    (tmp_path / "ui-import.png").write_bytes(browser.screenshot())
    assert sorted(drawn) == sorted(regions)
    for rid, region in regions.items():
        assert drawn[rid][:2] == (region["value"]["start"], region["value"]["end"]), rid
    (prediction,) = client.sdk.tasks.get(id=str(task["id"])).predictions
    assert prediction.model_version == attrib_backend.version and prediction.result == want["result"]
