"""`attrib eval` and `attrib agreement`: argument parsing and the terminal tables; the scoring is in the library."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..counts import amount
from ..errors import printable, shorten
from ..evaluate import MATCHINGS, evaluate, percent
from ..jsonio import refuse_overwriting
from ..records import ROLES
from .app import app, one_server


def _table(header: list[str], rows: list[list], labels: int = 1) -> str:
    """Plain aligned columns: the first `labels` columns to the left, the figures to the right."""
    cells = [header, *[[printable(str(c)) for c in row] for row in rows]]  # ids and annotators come from the data
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) if i < labels else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
        for row in cells
    )


def _prf(figures: dict) -> list:
    return [
        percent(figures["precision"]),
        percent(figures["recall"]),
        percent(figures["f1"]),
        figures["tp"],
        figures["fp"],
        figures["fn"],
    ]


def format_scores(report: dict) -> str:
    """The role, attribution, given-found and by-kind tables of one scores dict."""
    prf = ["P%", "R%", "F1%", "tp", "fp", "fn"]
    roles = [[role, m, *_prf(report["roles"][role][m])] for role in ROLES for m in MATCHINGS]
    roles += [["attribution", name, *_prf(figures)] for name, figures in report["attributions_by_definition"].items()]
    found = [[k, percent(s["accuracy"]), s["correct"], s["total"]] for k, s in report["given_found"].items()]
    kinds = [[k, percent(s["recall"]), s["found"], s["total"]] for k, s in report["recall_by_kind"].items()]
    return "\n\n".join(
        [
            _table(["role", "match", *prf], roles, labels=2),
            _table(["given found", "accuracy%", "correct", "total"], found),
            _table(["kind", "recall%", "found", "total"], kinds),
        ]
    )


def _echo_json(report: dict) -> None:
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))


@app.command("eval")
def eval_command(
    gold: Path = typer.Argument(
        ..., help="Reference records: JSONL (attrib's or the gold format: [s, e] pairs and parts) or Parquet."
    ),
    pred: Path = typer.Argument(..., help="Predicted records (JSONL or Parquet), usually from `attrib annotate`."),
    as_json: bool = typer.Option(
        False, "--json", help="Print the figures as JSON (fractions 0..1 and tp/fp/fn counts)."
    ),
) -> None:
    """Score predicted attributions against a reference: P/R/F1 per role (exact and overlap) and per attribution.

    Documents pair by id; a reference document without a prediction counts as predicting nothing, and
    predicted documents the reference lacks are left out with a warning.

    Example: attrib eval out/seed.annotated.jsonl out/seed.records.jsonl
    """
    from ..validation.gate import checked_records

    report = evaluate(str(gold), str(pred), lambda paths: checked_records(paths, unique=True))  # an id twice: its lines
    docs = report["documents"]
    if docs["unscored_pred_ids"]:
        ids = docs["unscored_pred_ids"]
        shown = ", ".join(repr(shorten(i, 100)) for i in ids[:5]) + (", ..." if len(ids) > 5 else "")
        typer.echo(f"attrib: warning: {amount(len(ids), 'predicted document')} not in {gold}, not scored: {shown}",
                   err=True)
    if as_json:
        _echo_json(report)
        return
    head = f"{amount(docs['scored'], 'document')} scored"
    if docs["missing_in_pred"]:
        head += f"; {len(docs['missing_in_pred'])} had no prediction (scored as predicting nothing)"
    typer.echo(head + "\n\n" + format_scores(report))


def format_agreement(report: dict, base_url: str | None = None, shown: int = 10) -> str:
    """Role F1, attribution P/R/F1 and alpha per annotator pair and overall, the tasks annotators disagree on
    (the first `shown`, linked when `base_url` is known), then the pre-annotation changes."""
    from ..agreement import (ALPHA_COLUMNS, CHANGE_COLUMNS, DISAGREEMENT_COLUMNS, alpha_cells, change_cells, change_rows,
                             disagreement_cells, pair_rows, task_url)

    pairs = pair_rows(report)
    tasks = report["tasks"]
    parts = [f"{amount(tasks['total'], 'task')}, {tasks['multi_annotated']} with two or more annotators"]
    if report["pairs"]:
        roles = [
            [name, role, s["documents"], *(percent(s["roles"][role][m]["f1"]) for m in MATCHINGS)]
            for name, s in pairs
            for role in ROLES
        ]
        attributions = [[name, definition, s["documents"], *_prf(figures)]
                        for name, s in pairs for definition, figures in s["attributions_by_definition"].items()]
        parts += [
            _table(["pair", "role", "tasks", "exact F1%", "overlap F1%"], roles, labels=2),
            _table(["pair", "attribution", "tasks", "P%", "R%", "F1%", "tp", "fp", "fn"], attributions, labels=2),
            _table(["pair", *ALPHA_COLUMNS], [[name, *alpha_cells(s["alpha"])] for name, s in pairs]),
        ]
        listed = report["disagreements"]
        rows = [[task_url(base_url, d) or d["task_id"], *disagreement_cells(d)[1:]] for d in listed[:shown]]
        more = f"\n(and {len(listed) - shown} more: --json or --html lists them all)" if len(listed) > shown else ""
        parts.append(f"{amount(len(listed), 'task')} where annotators disagree, least agreement first"
                     + ("\n" + _table(DISAGREEMENT_COLUMNS, rows, labels=3) + more if listed else ""))
    changed = [[who, *change_cells(c)] for who, c in change_rows(report)]
    unread = report["prediction_changes"]["annotations_without_prediction"]
    parts.append(_table(["pre-annotations", *CHANGE_COLUMNS], changed)
                 + (f"\n({amount(unread, 'annotation')} without a readable prediction)" if unread else ""))
    return "\n\n".join(parts)


@app.command("agreement")
def agreement_command(
    ctx: typer.Context,
    export: Path = typer.Argument(..., help="Label Studio JSON export of an attrib project (with full predictions)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON (fractions 0..1 and counts)."),
    html: Path = typer.Option(None, "--html", help="Also write a self-contained HTML report with a chart per role."),
    url: str = typer.Option(None, "--url", envvar="LABEL_STUDIO_URL", show_envvar=True,
                            help="Label Studio URL, to link each task annotators disagree on."),
    studio: Path = typer.Option(None, "--studio", envvar="ATTRIB_STUDIO", show_envvar=True,
                                help="Or the local server `attrib studio --data-dir DIR` started (its URL)."),
) -> None:
    """Agreement between annotators (per pair and overall) and how much they changed the pre-annotations.

    Pairs are scored as in `attrib eval` (exact and overlap F1 per role, attribution level) on tasks
    with two or more annotators, with Krippendorff's alpha over the role labels of characters; the
    tasks they disagree on are listed, least agreement first. Each annotation is compared region by
    region with the prediction it started from (kept, moved, deleted, added).

    Example: attrib agreement out/seed.export.json --html out/agreement.html --studio .studio
    """
    from ..agreement import agreement, no_pairs_note  # numpy (alpha): only when agreement runs
    from ..report_html import write_agreement_html

    if html is not None and str(html) == "-":  # the page and the report on one stdout: neither could be read
        raise typer.BadParameter("- (standard output) carries the report: name a file for the page", param_hint="--html")
    if html is not None:
        refuse_overwriting(html, [export])
    url, studio = one_server(ctx, url, studio)
    if url is not None:  # links were built on any text ("notaurl/projects/3/…")
        from ..labelstudio.client import checked_url

        checked_url(url)
    report = agreement(export)
    if url is None and studio is not None:
        from ..labelstudio.studio import load  # label_studio_sdk: only for a link

        found = load(studio)
        url = found.url if found is not None else None
        if url is None:
            typer.echo(f"attrib: warning: {studio}: no local Label Studio was started there (`attrib studio --data-dir "
                       f"{studio}`): tasks are not linked", err=True)
    if html is not None:
        write_agreement_html(report, html, f"attrib agreement: {export.name}", url)
    if as_json:
        _echo_json(report)
    else:
        typer.echo(format_agreement(report, url))
    note = no_pairs_note(report)
    if note:
        typer.echo(f"attrib: note: {note}", err=True)
