"""The `attrib agreement --html` report: one self-contained file, charts as inline SVG, no scripts or links.

People compare bars faster than columns of figures, so each role gets a chart (exact and overlap F1
per annotator pair), the attribution level another (both definitions of a found attribution), and the
pre-annotation changes a stacked bar per annotator; the figures themselves follow each chart as a table.
Then Krippendorff's alpha per pair, and the tasks annotators disagree on, each linked to Label Studio
when its URL is known. With no task annotated twice there is nothing to compare: the page says so
and what to do, instead of drawing empty charts.
"""

from __future__ import annotations

import html
from pathlib import Path

from .agreement import (ALPHA_COLUMNS, CHANGE_COLUMNS, DISAGREEMENT_COLUMNS, alpha_cells, change_cells, change_rows,
                        disagreement_cells, no_pairs_note, pair_rows, task_url)
from .errors import printable
from .evaluate import percent
from .jsonio import atomic_write
from .records import ROLES

COLOURS = ("#2b6cb0", "#90cdf4", "#c05621", "#68d391")
LABEL_W, PLOT_W, BAR_H, GAP, TOP = 190, 420, 14, 10, 6
CHAR_W = 7.5  # px per character of a label at 12 px (generous: labels are sized, never clipped)

CSS = """body{font:14px/1.4 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a202c}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.15rem .6rem;text-align:right;border-bottom:1px solid #e2e8f0}td:first-child,th:first-child{text-align:left}
svg text{font:12px system-ui,sans-serif}.key span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem}"""


def _chart(rows: list[tuple[str, list[float | None]]], series: list[str], stacked: bool = False) -> str:
    """Horizontal bars on a 0–100 % scale: one bar per series per row, or the series stacked in one bar."""
    per_row = 1 if stacked else len(series)
    row_h = per_row * BAR_H + GAP
    height = TOP + len(rows) * row_h + 24
    label_w = max(LABEL_W, 16 + CHAR_W * max((len(label) for label, _ in rows), default=0))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + PLOT_W + 60:.0f}" height="{height}" role="img">']
    for tick in range(0, 101, 25):
        x = label_w + PLOT_W * tick / 100
        out.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height - 18}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{x}" y="{height - 4}" text-anchor="middle" fill="#718096">{tick}%</text>')
    for r, (label, values) in enumerate(rows):
        top = TOP + r * row_h
        out.append(
            f'<text x="{label_w - 8:.0f}" y="{top + per_row * BAR_H / 2 + 4}" text-anchor="end">{escape(label)}</text>'
        )
        x = label_w
        for s, value in enumerate(values):
            width = PLOT_W * (value or 0)
            y = top if stacked else top + s * BAR_H
            tip = f"{escape(series[s])}: {percent(value)}%"
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_H - 2}" fill="{COLOURS[s]}"><title>{tip}</title></rect>'
            )
            if stacked:
                x += width
            else:
                out.append(f'<text x="{x + width + 4:.1f}" y="{y + BAR_H - 3}" fill="#4a5568">{percent(value)}</text>')
    out.append("</svg>")
    key = "".join(f'<span style="background:{c}"></span>{escape(name)}' for name, c in zip(series, COLOURS))
    return f'<p class="key">{key}</p>' + "".join(out)


def escape(text: str) -> str:
    """Text for the page: HTML's special characters escaped, and what `printable` escapes (a name with U+202E
    reversed the sentence it stood in, and the labels of a chart)."""
    return html.escape(printable(text))


def _table(header: list[str], rows: list[list]) -> str:
    """A table; a cell that is a `Link` becomes a link, any other is text."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


class Link(str):
    """A table cell shown as its text, linked to `href`."""

    def __new__(cls, text: object, href: str) -> "Link":
        link = super().__new__(cls, str(text))
        link.href = href
        return link


def _cell(value: object) -> str:
    if isinstance(value, Link):
        return f'<a href="{escape(value.href)}">{escape(str(value))}</a>'
    return escape(str(value))


def agreement_html(report: dict, title: str, base_url: str | None = None) -> str:
    """The report as one HTML page; tasks annotators disagree on link to `base_url`'s Label Studio."""
    tasks = report["tasks"]
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{tasks['total']} tasks, {tasks['multi_annotated']} with two or more annotators. "
        f"Annotators: {escape(', '.join(report['annotators']) or 'none')}.</p>",
    ]
    note = no_pairs_note(report)
    parts += [f"<p><strong>{escape(note[0].upper() + note[1:])}.</strong></p>"] if note else _pair_sections(report, base_url)
    rows = change_rows(report)
    parts.append("<h2>Changes to the pre-annotations (share of predicted regions)</h2>")
    parts.append(
        _chart(
            [(who, [c[f"{k}_share"] for k in ("kept", "moved", "deleted")]) for who, c in rows],
            ["kept", "moved", "deleted"],
            stacked=True,
        )
    )
    parts.append(
        _table(["annotator", *CHANGE_COLUMNS], [[who, *change_cells(c)] for who, c in rows])
    )
    parts.append(
        f"<p>Annotations without a readable prediction: {report['prediction_changes']['annotations_without_prediction']}.</p>"
    )
    body = "\n".join(parts)
    return f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n'


def _pair_sections(report: dict, base_url: str | None) -> list[str]:
    """Charts and tables of the annotator pairs: F1 per role and per attribution, alpha, disagreements."""
    pairs = pair_rows(report)
    parts = []
    for role in ROLES:
        parts.append(f"<h2>{role.capitalize()}: agreement F1</h2>")
        parts.append(
            _chart(
                [(name, [s["roles"][role][m]["f1"] for m in ("exact", "overlap")]) for name, s in pairs],
                ["exact", "overlap"],
            )
        )
        parts.append(
            _table(
                ["pair", "tasks", "exact F1 %", "overlap F1 %", "tp (overlap)", "fp", "fn"],
                [
                    [
                        name,
                        s["documents"],
                        percent(s["roles"][role]["exact"]["f1"]),
                        percent(s["roles"][role]["overlap"]["f1"]),
                        *(s["roles"][role]["overlap"][k] for k in ("tp", "fp", "fn")),
                    ]
                    for name, s in pairs
                ],
            )
        )
    definitions = list(report["overall"]["attributions_by_definition"])
    parts.append("<h2>Attributions: agreement F1</h2>")
    parts.append(_chart([(name, [s["attributions_by_definition"][d]["f1"] for d in definitions]) for name, s in pairs],
                        definitions))
    parts.append(
        _table(
            ["pair", "definition", "tasks", "P %", "R %", "F1 %", "tp", "fp", "fn"],
            [
                [
                    name,
                    d,
                    s["documents"],
                    *(percent(s["attributions_by_definition"][d][k]) for k in ("precision", "recall", "f1")),
                    *(s["attributions_by_definition"][d][k] for k in ("tp", "fp", "fn")),
                ]
                for name, s in pairs
                for d in definitions
            ],
        )
    )
    parts.append("<h2>Krippendorff's alpha over the role labels of characters</h2>")
    parts.append("<p>1 is perfect agreement, 0 what chance gives: each non-whitespace character's set of roles "
                 "(alpha (role sets)), and per role whether a character is in it.</p>")
    parts.append(_table(["pair", *ALPHA_COLUMNS], [[name, *alpha_cells(s["alpha"])] for name, s in pairs]))
    listed = report["disagreements"]
    parts.append(f"<h2>Tasks where annotators disagree ({len(listed)}), least agreement first</h2>")
    rows = []
    for d in listed:
        task, *rest = disagreement_cells(d)
        url = task_url(base_url, d)
        rows.append([Link(task, url) if url else task, *rest])
    parts.append(_table(DISAGREEMENT_COLUMNS, rows) if rows else "<p>None: every task annotated twice or more "
                 "has the same attributions from each annotator.</p>")
    return parts


def write_agreement_html(report: dict, path: str | Path, title: str, base_url: str | None = None) -> None:
    """Write the report atomically (a failed run leaves no half page)."""
    with atomic_write(path) as handle:
        handle.write(agreement_html(report, title, base_url))
