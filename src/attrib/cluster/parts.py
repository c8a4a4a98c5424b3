"""The output folder of a cluster run: part files, one receipt per part, and the manifest.

    OUT/000-news-00000.jsonl        the records of partition 0 of the first input, in input order
    OUT/_parts/000-news-00000.json  its receipt: the input hash it was made from, its own hash, counts
    OUT/_SUCCESS.json               the manifest, written last: inputs and hashes, every part, totals

A part is written under a temporary name and renamed, then its receipt; a part without a receipt is
redone. A receipt whose input hash, model, attrib version and format match, over a part whose bytes
still hash to what it says, is what lets a re-run skip the partition. Names starting with `_` or `.`
are what Parquet readers (pyarrow.dataset, pandas, Spark) skip, so a folder of Parquet parts reads
as one dataset. The folder may be any fsspec URL.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
import uuid
from pathlib import Path
from typing import IO, Iterable, Iterator

from ..errors import InputError, OutputError, shorten
from ..formats import jsonl
from ..jsonio import give_default_mode, walk
from .inputs import filesystem, is_remote

MANIFEST = "_SUCCESS.json"
RECEIPTS = "_parts"
FORMATS = {"jsonl": ".jsonl", "parquet": ".parquet"}
SHA256 = re.compile(r"[0-9a-f]{64}")
PART_FILE = re.compile(r"\d{3,}-[A-Za-z0-9_-]+-\d{5,}\.(?:jsonl|parquet)")  # what Partition.part names, only
RECEIPT_FILE = re.compile(r"\d{3,}-[A-Za-z0-9_-]+-\d{5,}\.json")  # and their receipts
_READ = 1 << 20


class Folder:
    """An output folder (a local path or an fsspec URL), written file by file, each atomically."""

    def __init__(self, url: str) -> None:
        self.url = url  # as the user named it, for messages
        self.fs, self.path = filesystem(url)
        self.path = self.path.rstrip("/")
        if not is_remote(self.fs):  # one folder, one name, however it is reached (the one-run lock is by name)
            self.path = os.path.realpath(self.path)
        self.location = self.fs.unstrip_protocol(self.path)  # absolute: what a worker elsewhere opens

    def at(self, name: str) -> str:
        return f"{self.path}/{name}"

    def exists(self, name: str) -> bool:
        return self.fs.exists(self.at(name))

    def regular(self, name: str) -> bool:
        """`name` is a file to read: on a local disk, not missing, not a folder, a device or a pipe (a part linked to
        /dev/zero was merged without end, a manifest that is a pipe hung merge and validate). Always in a remote
        store, which holds none of these: no request is made, and opening a missing name there says so."""
        if is_remote(self.fs):
            return True
        try:
            return stat.S_ISREG(os.stat(self.at(name)).st_mode)
        except (OSError, ValueError):
            return False

    def check(self) -> None:
        """A file in the folder's place is an OutputError, and so is a folder holding anything a run does not write:
        a run deletes the parts of other runs, by their names, and an input or a file of the user's could be named
        like one."""
        try:
            if self.fs.isfile(self.path):
                raise OutputError(f"{self.url}: is a file; --cluster writes a folder of parts")
            if (odd := self._foreign()) is not None:
                raise OutputError(f"{self.url}: holds {odd}, which no cluster run writes: write into a new or empty "
                                  "folder, or one an earlier `attrib annotate --cluster` wrote (a run there deletes "
                                  "the parts it does not make)")
        except OSError as exc:
            raise OutputError(f"{self.url}: cannot write ({exc.strerror or exc})") from None

    def prepare(self) -> None:
        """Make the folder (and its receipts folder), checked again (check): it may have changed since."""
        self.check()
        try:
            self.fs.makedirs(self.at(RECEIPTS), exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.url}: cannot write ({exc.strerror or exc})") from None

    def _foreign(self) -> str | None:
        """The first name in the folder (or its receipts folder) that a run does not write, None when all are."""
        if not self.fs.isdir(self.path):
            return None

        def names(path: str) -> list[str]:
            return [entry.rstrip("/").rsplit("/", 1)[-1] for entry in self.fs.ls(path, detail=False)]

        temporary = re.compile(r"\..+\.tmp")
        for name in names(self.path):
            if name == RECEIPTS and self.fs.isdir(self.at(RECEIPTS)):
                odd = next((n for n in names(self.at(RECEIPTS)) if not (RECEIPT_FILE.fullmatch(n) or temporary.fullmatch(n))),
                           None)
                if odd is not None:
                    return repr(f"{RECEIPTS}/{odd}")
            elif not (PART_FILE.fullmatch(name) or name == MANIFEST or temporary.fullmatch(name)):
                return repr(name)
        return None

    def publish(self, local: Path, name: str) -> None:
        """Move the finished local file `local` to `name` in the folder, atomically (a rename)."""
        try:
            if not is_remote(self.fs):
                os.replace(local, self.at(name))  # same folder: a rename
                return
            temporary = self.at(f".{name}.{uuid.uuid4().hex}.tmp")
            self.fs.put_file(str(local), temporary)
            self.fs.mv(temporary, self.at(name))
        except OSError as exc:
            raise OutputError(f"{self.url}/{name}: cannot write ({exc.strerror or exc})") from None
        finally:
            local.unlink(missing_ok=True)

    def staging(self, name: str) -> Path:
        """A local temporary file to write `name` into before `publish`: beside it when the folder is local."""
        folder = None if is_remote(self.fs) else Path(self.at(name)).parent
        handle, path = tempfile.mkstemp(prefix=f".{Path(name).name}.", suffix=".tmp", dir=folder)
        os.close(handle)
        give_default_mode(path)
        return Path(path)

    def write_json(self, name: str, value: dict) -> None:
        local = self.staging(name)
        local.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.publish(local, name)

    def read_json(self, name: str) -> dict | None:
        """The JSON object at `name`, or None when it is missing or unreadable (a receipt half gone is no receipt)."""
        if not self.regular(name):
            return None
        try:
            with self.fs.open(self.at(name), "rb") as handle:
                value = json.loads(handle.read())
        except (OSError, ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None

    def sha256(self, name: str) -> str | None:
        """The hash of the file at `name`, None when it is missing (or no file: Folder.regular)."""
        if not self.regular(name):
            return None
        try:
            with self.fs.open(self.at(name), "rb") as handle:
                return _sha256(handle)
        except FileNotFoundError:
            return None

    def remove(self, name: str) -> None:
        if self.exists(name):
            self.fs.rm(self.at(name))

    def remove_temporaries(self) -> None:
        """Temporary files left by tasks whose worker died while writing (call when no task runs)."""
        for path in self.fs.glob(self.at(".*.tmp")) + self.fs.glob(self.at(f"{RECEIPTS}/.*.tmp")):
            self.fs.rm(path)


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return _sha256(handle)


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(_READ):
        digest.update(chunk)
    return digest.hexdigest()


def receipt_name(part: str) -> str:
    return f"{RECEIPTS}/{part}.json"


def write_records(records: Iterable[dict], local: Path, fmt: str) -> tuple[list[str], int]:
    """Write `records` to the local file `local` as JSONL or Parquet; (their ids, attributions)."""
    ids: list[str] = []
    attributions = [0]

    def counted() -> Iterator[dict]:
        for record in records:
            ids.append(record["id"])
            attributions[0] += len(record["attributions"])
            yield record

    if fmt == "parquet":
        from ..formats import parquet

        parquet.write(counted(), local)
    else:
        jsonl.write_records(counted(), local)
    return ids, attributions[0]


def readable_receipt(receipt: object) -> bool:
    """Whether a receipt says its part's ids: one from before ids were kept, or changed by hand, does not."""
    return isinstance(receipt, dict) and isinstance(receipt.get("ids"), list) and all(
        isinstance(doc_id, str) for doc_id in receipt["ids"])


def repeated_ids(receipts: list) -> list[tuple[int, int, str, int]]:
    """Each document of the parts whose id an earlier document has: (its receipt's place in `receipts`, its line in
    the part, the id, the place of the receipt of the first document with it); none when a receipt is missing or
    from before ids were kept, or its ids are not all strings (a receipt changed by hand): it cannot say."""
    if not all(readable_receipt(receipt) for receipt in receipts):
        return []
    first: dict[str, int] = {}
    found = []
    for index, receipt in enumerate(receipts):
        for line, doc_id in enumerate(receipt["ids"], 1):
            if doc_id in first:
                found.append((index, line, doc_id, first[doc_id]))
            else:
                first[doc_id] = index
    return found


def done_receipt(folder: Folder, part: str, input_sha256: str, generator: dict, fmt: str) -> dict | None:
    """The receipt of `part` when the part on disk was made from the same input, model, attrib and format
    and its bytes are still those the receipt names; else None (the partition is to be annotated)."""
    receipt = folder.read_json(receipt_name(part))
    if not receipt or (receipt.get("input_sha256"), receipt.get("generator"), receipt.get("format")) != (
            input_sha256, generator, fmt):
        return None
    return receipt if folder.sha256(receipt.get("file", "")) == receipt.get("sha256") else None


def manifest_problem(manifest: dict | None) -> str | None:
    """What keeps `manifest` (None: unreadable) from being one that merge and validate can follow, as a JSON
    path and why; None when it fits. Part names must be those a run gives, so no listed part lies outside
    the folder."""
    if manifest is None:
        return "not a JSON object"
    fmt = manifest.get("format", "jsonl")
    if not isinstance(fmt, str) or fmt not in FORMATS:
        return f"$.format: {shorten(repr(fmt), 40)} is not one of {', '.join(FORMATS)}"
    parts = manifest.get("parts")
    if not isinstance(parts, list):
        return "$.parts: not a list"
    for index, part in enumerate(parts):
        file = part.get("file") if isinstance(part, dict) else None
        if not isinstance(file, str) or not PART_FILE.fullmatch(file) or not file.endswith(FORMATS[fmt]):
            return f"$.parts[{index}].file: {shorten(repr(file), 80)} is not the name of a {fmt} part of the folder"
        if not isinstance(part.get("sha256"), str) or not SHA256.fullmatch(part["sha256"]):
            return f"$.parts[{index}].sha256: not a SHA-256 (64 hexadecimal digits)"
    seen: set[str] = set()
    for part in parts:  # a set, not files.count per file: 100,000 parts with one repeated took minutes
        if part["file"] in seen:
            return f"$.parts: {part['file']!r} is listed twice (a merge would repeat it and leave another out)"
        seen.add(part["file"])
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(type(counts.get(key)) is int for key in ("parts", "documents")):
        return "$.counts: not an object with the numbers of parts and documents"
    if counts["parts"] != len(parts):
        return f"$.counts.parts: {counts['parts']}, but $.parts lists {len(parts)}"
    documents = [part.get("documents") for part in parts]
    if all(type(n) is int for n in documents) and sum(documents) != counts["documents"]:
        return f"$.counts.documents: {counts['documents']}, but the parts listed hold {sum(documents)}"
    return None


def read_manifest(folder: Folder) -> tuple[dict | None, str | None]:
    """The manifest of `folder` and None, or None and why it cannot be followed: missing, no file, not JSON (and
    where), or manifest_problem's reason."""
    if not folder.exists(MANIFEST):
        return None, "missing"
    if not folder.regular(MANIFEST):
        return None, "not a file (a folder, a device or a pipe)"
    try:
        with folder.fs.open(folder.at(MANIFEST), "rb") as handle:
            manifest = json.loads(handle.read())
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 (byte {exc.start})"
    except json.JSONDecodeError as exc:
        return None, f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    except RecursionError:
        return None, "not JSON attrib reads (nested too deep)"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    problem = manifest_problem(manifest if isinstance(manifest, dict) else None)
    return (None, problem) if problem else (manifest, None)


def manifest_of(folder: Folder) -> dict:
    """The manifest of a finished run; InputError when the folder has none (the run did not finish) or it is
    not one a run writes (manifest_problem)."""
    if not folder.exists(MANIFEST):
        if not folder.fs.isdir(folder.path):  # a mistyped name, or a file: there is no run to finish
            what = "no such folder" if not folder.fs.exists(folder.path) else "a file, not a folder of parts"
            raise InputError(f"{folder.url}: {what}: give the -o folder of an `attrib annotate --cluster` run")
        raise InputError(f"{folder.url}: no {MANIFEST}: not the output of a finished `attrib annotate --cluster` "
                         "run (run it again: finished parts are kept)")
    manifest, problem = read_manifest(folder)
    if problem is not None:
        raise InputError(f"{folder.url.rstrip('/')}/{MANIFEST}: {problem}: not a manifest attrib wrote (run the same "
                         "`attrib annotate --cluster` command again to write it)")
    return manifest


def verified_chunks(folder: Folder, part: dict) -> Iterator[bytes]:
    """The bytes of a manifest's part, raising InputError if they do not hash to what the manifest says."""
    digest = hashlib.sha256()
    if not folder.regular(part["file"]) and folder.exists(part["file"]):  # (a missing part: opening it says so)
        raise InputError(f"{folder.url}/{part['file']}: not a file (a folder, a device or a pipe), though {MANIFEST} "
                         "lists it")
    try:
        with folder.fs.open(folder.at(part["file"]), "rb") as handle:
            while chunk := handle.read(_READ):
                digest.update(chunk)
                yield chunk
    except FileNotFoundError:
        raise InputError(f"{folder.url}/{part['file']}: missing, though {MANIFEST} lists it") from None
    except OSError as exc:  # a link to itself (ELOOP), a part it may not read: was a traceback
        raise InputError(f"{folder.url}/{part['file']}: cannot read it ({exc.strerror or exc}), though {MANIFEST} "
                         "lists it") from None
    if digest.hexdigest() != part["sha256"]:
        raise InputError(f"{folder.url}/{part['file']}: its bytes differ from {MANIFEST} (sha256 "
                         f"{digest.hexdigest()[:12]}…, expected {part['sha256'][:12]}…): re-run the same "
                         "`attrib annotate --cluster` command to redo it")


def merges_into_itself(folder: str, output: str) -> bool:
    """Whether `output` is the folder's (inside it, or a file a link in it leads to: a linked part was replaced by
    the merged file)."""
    target = Path(os.path.realpath(output))
    if target.is_relative_to(os.path.realpath(folder)):
        return True
    return any(Path(os.path.realpath(os.path.join(here, name))) == target
               for here, _, names in walk(folder) for name in names)


def _not_a_part(where: str, exc: Exception) -> InputError:
    reason = (str(exc).splitlines() or [type(exc).__name__])[0]
    return InputError(f"{where}: not a Parquet part attrib wrote ({shorten(reason, 120)})")


def merge_parts(url: str, out: IO[bytes]) -> dict:
    """Write the parts of the finished run in the folder at `url` to `out` as one file, in input order: JSONL
    parts byte for byte, Parquet parts as the row groups of one Parquet file. Every part is checked against
    the manifest's hash on the way (InputError, before `out` is complete). Returns the manifest."""
    folder = Folder(url)
    manifest = manifest_of(folder)
    if manifest.get("format") == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        from ..formats.parquet import SCHEMA

        with pq.ParquetWriter(out, SCHEMA) as writer:
            for part in manifest["parts"]:
                data = b"".join(verified_chunks(folder, part))
                try:
                    table = pq.ParquetFile(pa.BufferReader(data), pre_buffer=False).read(use_threads=False)
                except (pa.ArrowException, ValueError, OSError) as exc:  # not Parquet, or damaged (a page pyarrow
                    # cannot decode is an OSError; the write's own OSErrors, a full disk, are not the part's). Not
                    # read_table: after a damaged page its threads abort the process at exit (pyarrow 24)
                    raise _not_a_part(f"{folder.url}/{part['file']}", exc) from None
                try:
                    writer.write_table(table)
                except (pa.ArrowException, ValueError) as exc:  # another schema than attrib's parts
                    raise _not_a_part(f"{folder.url}/{part['file']}", exc) from None
    else:
        for part in manifest["parts"]:
            for chunk in verified_chunks(folder, part):
                out.write(chunk)
    return manifest
