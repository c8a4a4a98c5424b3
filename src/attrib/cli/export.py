"""`attrib export` and `attrib import brat`: datasets out of attrib, existing corpora in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import typer

from ..counts import amount
from ..errors import InputError, OutputError
from ..formats import CONLL_FORMS, FORMATS, brat, export
from ..formats.inputs import read_input
from ..formats.card import counted
from ..formats.jsonl import card_of, write_records
from ..jsonio import refuse_overwriting
from ..lsjson.convert import CHOOSE
from .app import app


@app.command("export")
def export_command(
    source: Path = typer.Argument(..., help="attrib records (JSONL or Parquet; the gold format works too) or a Label Studio JSON export."),
    fmt: Literal[FORMATS] = typer.Option(..., "--format", "-f",
                            help="jsonl (+ dataset card), brat, conll, spacy (DocBin) or parquet."),
    output: Path = typer.Option(..., "--output", "-o",
                                help="The file to write (a folder for brat; - for jsonl or conll to stdout); "
                                     "written whole or not at all."),
    choose: Literal[CHOOSE] = typer.Option("each", "--choose",
                               help="For an export: each annotation, each annotator's latest (each_latest), ground_truth, "
                                    "latest, reviewed (ground truth where marked, else latest), or the prediction."),
    layout: Literal[brat.LAYOUTS] = typer.Option("brat", "--layout",
                               help="brat only: a brat collection (id.txt, id.ann, annotation.conf), or PolNeAR's "
                                    "tree (text/id.txt, attributions/id_annotator.ann)."),
    tags: Literal[CONLL_FORMS] = typer.Option("flat", "--tags",
                               help="conll only: flat (one IOB2 tag per token, as seqeval reads it; where roles "
                                    "overlap CUE > SOURCE > CONTENT), or rich (every attribution's tag, and its index)."),
) -> None:
    """Write attributions as a dataset: jsonl with a dataset card, brat standoff, CoNLL BIO, a spaCy DocBin, Parquet.

    A Label Studio export is validated task by task first and stops at the first error.
    jsonl and parquet keep everything; brat keeps the attributions but not confidences or meta;
    conll and spacy tokenise (spaCy's rule-based English tokenizer) and snap spans to tokens; conll's
    default flat form has one tag per token (what seqeval reads), --tags rich keeps every attribution's.

    Example: attrib export out/seed.records.jsonl -f brat -o out/seed-brat
    """
    if str(output) == "-" and fmt not in ("jsonl", "conll"):  # brat made a folder named "-", spacy and parquet wrote binary
        raise typer.BadParameter(f"- (standard output) takes jsonl or conll; {fmt} needs a "
                                 f"{'folder' if fmt == 'brat' else 'file'}", param_hint="--output")
    for option, value, default, applies in (("--layout", layout, "brat", "brat"), ("--tags", tags, "flat", "conll")):
        if value != default and fmt != applies:  # it was ignored without a word
            raise typer.BadParameter(f"applies to -f {applies}, not -f {fmt}", param_hint=option)
    refuse_overwriting(output, [source])
    refuse_choosing_in_records(source, choose)
    if fmt == "jsonl" and str(output) != "-" and os.path.isdir(output):  # `-o .` has no name to make the card's of
        raise OutputError(f"{output}: is a folder: name a file to write")  # (not Path.is_dir: it raises ENAMETOOLONG)
    if fmt == "jsonl" and (card := card_of(output)) is not None:  # the dataset card (in.card.md as the input: replaced
        refuse_overwriting(card, [source])  # by the card), where the writer puts it: beside the file a link names
    said = lambda message: typer.echo(f"attrib: note: {message}", err=True)  # noqa: E731
    options = {"brat": {"layout": layout, "notice": said}, "conll": {"tags": tags}}.get(fmt, {})
    summary = export(read_input(source, choose, notice=said), fmt, output, **options)
    typer.echo(f"{counted(summary)}, {amount(summary['attributions'], 'attribution')} written to {output} ({fmt})",
               err=True)


def refuse_choosing_in_records(source: Path, choose: str) -> None:
    """--choose picks among a Label Studio export's annotations; records have theirs chosen already (it was ignored)."""
    from ..validation import detect

    if choose != "each" and detect(source) != "export":
        raise InputError(f"{source}: holds records, each already one version of a document: --choose picks among the "
                         "annotations of a Label Studio export")


imports = typer.Typer(
    help="Bring existing corpora in as attrib records.\n\nExample: attrib import brat out/seed-brat -o out/seed.from-brat.jsonl",
    no_args_is_help=True, rich_markup_mode=None,
)
app.add_typer(imports, name="import")


@imports.command("brat")
def import_brat_command(
    folder: Path = typer.Argument(..., help="A folder of brat .ann files: id.txt beside id.ann, or PolNeAR's text/ and attributions/."),
    output: Path = typer.Option(..., "--output", "-o", help="attrib records (JSONL); '-' for stdout."),
) -> None:
    """Read brat standoff attributions (Source/Cue/Content in Attribution events, as PolNeAR has them) as records.

    Every .ann under FOLDER becomes one record; a kind missing from the file is inferred from quote marks.
    Push the result with `attrib labelstudio push` to review an existing corpus.

    Example: attrib import brat out/seed-brat -o out/seed.from-brat.jsonl
    """
    refuse_overwriting(output, [folder])
    count = write_records(brat.read(folder), output)
    typer.echo(f"{amount(count, 'record')} written to {output}", err=True)
