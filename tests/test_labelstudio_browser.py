"""attrib's projects in a real browser (headless Chromium), as annotators, a lead and a reviewer see them.

Needs Debian's `chromium` and `chromium-driver` (skipped without them). Talks W3C WebDriver to
chromedriver over HTTP directly: no Selenium. The example task shows every predicted region at its
offsets, in its label's colour, on the screenshot; the Data Manager shows the drafts' score; with
`--overlap 2`, a second annotator (signed up through the organization's invite link) gets a task the
first has submitted and starts a fresh annotation from the drafts; a reviewer starts empty, with
each annotator's version a tab of its own name.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from attrib.labelstudio import server
from attrib.lsjson.config import COLORS, guidelines
from attrib.labelstudio.projects import push, push_review, review_tasks
from attrib.records import iter_records
from attrib.review import REVIEW_VERSION
from test_formats_review import EXPORT
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

    def log_in(self, url: str, email: str, password: str) -> None:
        self.open(f"{url}/user/login/")
        self.submit_form({"email": email, "password": password})

    def submit_form(self, fields: dict[str, str]) -> None:
        """Fill the page's form and submit it; back when the browser has left the page."""
        page = self.run("return location.href")
        for name, value in fields.items():
            self.type(f"input[name={name}]", value)
        self.click("form button[type=submit], form input[type=submit]")
        deadline = time.monotonic() + 30
        while self.run("return location.href") == page and time.monotonic() < deadline:
            time.sleep(0.2)

    def text(self, timeout: float = 30, until: str = "") -> str:
        """The page's text, once it holds `until`."""
        deadline = time.monotonic() + timeout
        while until not in (body := self.run("return document.body.innerText")) and time.monotonic() < deadline:
            time.sleep(0.3)
        return body

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


def test_the_example_task_shows_its_regions(label_studio, browser, seed_gold, tmp_path):
    client = label_studio.client()
    records = [*iter_records([seed_gold]), RECORDS[0]]  # the bundled example, and the emoji/CRLF document
    report = push(client, records, "browser check", "attrib-browser-check")

    browser.log_in(label_studio.url, label_studio.login.email, label_studio.login.password)
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

    browser.log_in(label_studio.url, label_studio.login.email, label_studio.login.password)
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
    # Label Studio sometimes stores the backend's draft twice for a task opened right after its import (seen once
    # in a fresh-clone CI run; cause not pinned down); whatever it stored must be the backend's draft
    predictions = client.sdk.tasks.get(id=str(task["id"])).predictions
    assert 1 <= len(predictions) <= 2
    assert all(p.model_version == attrib_backend.version and p.result == want["result"] for p in predictions)


SUBMIT = "Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Submit').click()"


def test_lead_reviewer_and_second_annotator(label_studio, browser, seed_gold, tmp_path):
    client = label_studio.client()
    report = push(client, list(iter_records([seed_gold])), "two annotators", "attrib-overlap", overlap=2)
    (task_id,) = report.task_ids
    (prediction,) = client.sdk.tasks.get(id=str(task_id)).predictions
    regions = [r["id"] for r in prediction.result if r["type"] == "labels"]
    # the first annotator deletes a region of the drafts and submits
    first = [r for r in prediction.result if regions[0] not in (r.get("id"), r.get("from_id"), r.get("to_id"))]
    client.sdk.annotations.create(id=task_id, result=first, lead_time=2.0)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    review = push_review(client, review_tasks([export]), "review in a browser")
    browser.log_in(label_studio.url, label_studio.login.email, label_studio.login.password)

    # the lead: the drafts' score is a column of the project's Data Manager, ready to sort by
    browser.open(f"{label_studio.url}/projects/{report.project_id}/data")
    assert "Prediction score" in browser.text(until="Prediction score")

    # the reviewer: each annotator's version is a tab with a name of its own; their own annotation starts empty
    disputed = next(t for t in client.tasks(review.project_id) if t["data"]["record_id"] == "doc-4")
    browser.open(f"{label_studio.url}/projects/{review.project_id}/data?task={disputed['id']}")
    page = browser.text(until="C · 3")
    assert sorted(line for line in page.splitlines() if re.match(r"^[A-Z] · ", line)) == ["A · 1", "B · 2", "C · 3"]
    time.sleep(1)  # the editor is up (its tabs are): give a pre-filled annotation the time to be drawn
    assert browser.run("return document.querySelectorAll('.htx-highlight').length") == 0
    assert REVIEW_VERSION in page

    # a second annotator joins through the organization's invite link and labels with "Label All Tasks"
    invite = client._http("GET", "api/invite", "reading the invite link")["invite_url"]
    browser.command("DELETE", "/cookie")  # logged out
    browser.open(f"{label_studio.url}{invite}")
    browser.submit_form({"email": "second@localhost", "password": "second-annotator-1"})
    browser.open(f"{label_studio.url}/projects/{report.project_id}/data?labeling=1")
    drawn = drawn_regions(browser, len(regions))
    assert sorted(drawn) == sorted(regions)  # the drafts, not the first annotator's annotation
    browser.run(SUBMIT)
    deadline = time.monotonic() + 30
    while len(annotations := client.sdk.tasks.get(id=str(task_id)).annotations) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert [a["completed_by"]["email"] for a in annotations] == [label_studio.login.email, "second@localhost"]
    assert sorted(r["id"] for r in annotations[1]["result"] if r["type"] == "labels") == sorted(regions)
