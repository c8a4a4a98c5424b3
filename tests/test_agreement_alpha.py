"""Krippendorff's alpha in `attrib agreement`, the tasks annotators disagree on, and what the report
says when there is nothing to compare yet."""

from __future__ import annotations

import json
import math
import re

import krippendorff
import numpy as np
import pytest

from attrib.agreement import agreement
from attrib.alpha import Coincidences, RoleAlpha, role_masks
from attrib.errors import NothingToDoError
from attrib.records import make_record
from runs import attrib
from test_agreement import ALICE, BOB, BOB_ID, PREDICTED, SOURCES, TEXT, TEXT2, annotation, export, task


def reference_alpha(coders: list[list[object]]) -> float:
    """The `krippendorff` package's nominal alpha of a coders x units matrix (None = not coded)."""
    values = sorted({v for row in coders for v in row if v is not None}, key=str)
    code = {v: i for i, v in enumerate(values)}
    matrix = np.array([[np.nan if v is None else code[v] for v in row] for row in coders], dtype=float)
    return krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")


def test_coincidences_agree_with_the_krippendorff_package():
    rng = np.random.default_rng(7)
    for trial in range(30):
        coders, units = int(rng.integers(2, 5)), int(rng.integers(5, 40))
        matrix = [[None if rng.random() < 0.2 else int(rng.integers(0, 3)) for _ in range(units)] for _ in range(coders)]
        ours = Coincidences()
        for unit in zip(*matrix):
            ours.add([v for v in unit if v is not None])
        expected = reference_alpha(matrix)
        if math.isnan(expected):
            assert ours.alpha() is None
        else:
            assert ours.alpha() == pytest.approx(expected, abs=1e-9), trial


def test_alpha_over_characters_is_the_package_on_the_same_units():
    alice, bob = make_record("d", TEXT, PREDICTED), make_record("d", TEXT, BOB)
    ours = RoleAlpha()
    ours.add(TEXT, [role_masks(alice), role_masks(bob)])
    kept = [i for i, ch in enumerate(TEXT) if not ch.isspace()]
    masks = [role_masks(alice), role_masks(bob)]
    assert ours.units == len(kept)
    assert ours.labels.alpha() == pytest.approx(reference_alpha([[m[i] for i in kept] for m in masks]))
    for bit, role in ((1, "source"), (2, "cue"), (4, "content")):
        binary = [[bool(m[i] & bit) for i in kept] for m in masks]
        assert ours.roles[role].alpha() == pytest.approx(reference_alpha(binary)), role
    same = RoleAlpha()
    same.add(TEXT, [role_masks(alice), role_masks(alice)])
    assert same.labels.alpha() == 1.0


def test_the_report_has_alpha_and_the_disagreements_least_agreement_first(tmp_path):
    path = export(tmp_path, [
        task(1, TEXT, PREDICTED, [annotation(11, ALICE, TEXT, PREDICTED, 101), annotation(12, BOB_ID, TEXT, BOB, 101)]),
        task(2, TEXT2, [SOURCES], [annotation(21, ALICE, TEXT2, [SOURCES], 102), annotation(22, BOB_ID, TEXT2, [], 102)]),
        task(3, TEXT2, [SOURCES], [annotation(31, ALICE, TEXT2, [SOURCES], 103), annotation(32, BOB_ID, TEXT2, [SOURCES], 103)]),
    ])
    tasks = json.loads(path.read_text(encoding="utf-8"))
    for t in tasks:
        t["project"] = 4  # as Label Studio's export has it
    path.write_text(json.dumps(tasks), encoding="utf-8")
    report = agreement(path)
    assert [d["task_id"] for d in report["disagreements"]] == [2, 1]  # task 3: the same attributions
    worst = report["disagreements"][0]
    assert worst["attributions"] == {"2": 0, "alice@example.org": 1} and worst["alpha"] < 0.5
    overall = report["overall"]["alpha"]
    assert overall == report["pairs"][0]["alpha"]  # one pair: the same units
    assert overall["characters"] == sum(len(t.replace(" ", "")) for t in (TEXT, TEXT2, TEXT2))
    assert 0 < overall["labels"] < 1

    page = tmp_path / "report.html"
    done = attrib("agreement", path, "--html", page, "--url", "http://ls.example:8080/")
    assert done.code == 0, done.err
    assert re.search(r"^alice@example.org / 2\s+0\.\d{3}\s", done.out, re.M)  # the alpha table
    assert "http://ls.example:8080/projects/4/data?task=2" in done.out
    html = page.read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">(\d+)</a>', html)
    assert links == [("http://ls.example:8080/projects/4/data?task=2", "2"),
                     ("http://ls.example:8080/projects/4/data?task=1", "1")]

    for t in tasks:  # an export that does not say the project (a hand-made one): no link to a made-up project
        del t["project"]
    path.write_text(json.dumps(tasks), encoding="utf-8")
    done = attrib("agreement", path, "--html", page, "--url", "http://ls.example:8080/")
    assert done.code == 0 and "/projects/None" not in done.out
    assert re.search(r"^2\s+doc-2\s", done.out, re.M)  # the task's id, unlinked
    assert "<a href" not in page.read_text(encoding="utf-8")
    missing = tmp_path / "no-studio"
    done = attrib("agreement", path, "--studio", missing)
    assert done.code == 0
    assert done.err == (f"attrib: warning: {missing}: no local Label Studio was started there (`attrib studio "
                        f"--data-dir {missing}`): tasks are not linked\n")


def test_long_pair_labels_get_room_in_the_charts(tmp_path):
    long_a = {"id": 1, "email": "annotator-with-a-long-name@newsroom.example.org"}
    long_b = {"id": 2, "email": "another-annotator-with-a-long-name@newsroom.example.org"}
    path = export(tmp_path, [task(1, TEXT, PREDICTED, [annotation(11, long_a, TEXT, PREDICTED, 101),
                                                       annotation(12, long_b, TEXT, BOB, 101)])])
    page = tmp_path / "report.html"
    assert attrib("agreement", path, "--html", page).code == 0
    html = page.read_text(encoding="utf-8")
    label = f"{long_b['email']} / {long_a['email']}"
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        if label not in svg:
            continue
        x = float(re.search(r'<text x="([\d.]+)"[^>]*text-anchor="end">' + re.escape(label), svg)[1])
        assert x >= 7 * len(label)  # right-aligned at x: the label's left end stays inside the picture


def test_with_one_annotator_per_task_it_says_what_to_do(tmp_path):
    path = export(tmp_path, [task(1, TEXT, PREDICTED, [annotation(11, ALICE, TEXT, BOB, 101)])])
    page = tmp_path / "report.html"
    done = attrib("agreement", path, "--html", page)
    assert done.code == 0
    assert "attrib: note: no task has annotations by two annotators yet" in done.err and "--overlap 2" in done.err
    assert "pair" not in done.out.split("\n\n")[1]  # straight to the pre-annotation changes
    html = page.read_text(encoding="utf-8")
    assert "--overlap 2" in html and html.count("<svg") == 1  # the changes chart only, no empty charts


def test_with_no_annotation_at_all_it_stops_and_says_why(tmp_path):
    path = export(tmp_path, [task(1, TEXT, PREDICTED, [])])
    with pytest.raises(NothingToDoError, match="nobody has annotated yet"):
        agreement(path)
    done = attrib("agreement", path, "--html", tmp_path / "report.html")
    assert done.code == 1 and done.err.startswith("attrib: E160 ") and "annotate in Label Studio first" in done.err
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("coders", [3, 25])  # rows packed into one number each, and too many coders for that
def test_many_coders_of_a_text(coders):
    rng = np.random.default_rng(coders)
    text = "Officials said the plan failed, and critics agreed.\nIt did."
    masks = [rng.integers(0, 8, len(text)).astype(np.uint8) for _ in range(coders)]
    ours = RoleAlpha()
    ours.add(text, masks)
    kept = [i for i, ch in enumerate(text) if not ch.isspace()]
    assert ours.units == len(kept)
    assert ours.labels.alpha() == pytest.approx(reference_alpha([[int(m[i]) for i in kept] for m in masks]))
    assert ours.roles["cue"].alpha() == pytest.approx(reference_alpha([[bool(m[i] & 2) for i in kept] for m in masks]))
