"""`attrib validate DIR`: a folder of parts checked against its manifest and each part validated, on a Dask
cluster or in this process, into the one report of the command.

The manifest check finds what a part-by-part validation cannot: a part whose bytes changed since the run
(V801), a part gone (V802), a file the run did not write (V803), a run that never finished (V804).
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath
from typing import Iterator

from ..jsonsafe import max_depth
from ..validation import Finding
from ..validation.findings import Where
from .parts import FORMATS, MANIFEST, Folder, read_manifest, readable_receipt, receipt_name, repeated_ids
from .worker import validate_part


class FolderCheck:
    """The check of one folder of parts; `documents` counts what the validation read."""

    def __init__(self, url: str, kind: str | None, limit: int | None) -> None:
        self.folder = Folder(url)
        self.shown = url.rstrip("/")
        self.kind, self.limit = kind, limit
        self.documents = 0
        self.more: Counter[str] = Counter()
        present = sorted(PurePosixPath(p).name for p in self.folder.fs.ls(self.folder.path, detail=False))
        present = [name for name in present if name[:1] not in "._" and PurePosixPath(name).suffix in FORMATS.values()
                   and self.folder.regular(name)]  # a folder, device or pipe named like a part is no part
        manifest, problem = read_manifest(self.folder)
        self.before: list[Finding] = []
        if problem is not None:
            self.before.append(self._where(MANIFEST).finding("V804", f"no readable {MANIFEST} ({problem}): the parts "
                                                             "are validated, but nothing says they are all there"))
            listed = [{"file": name} for name in present]
        else:
            listed = manifest["parts"]
        names = {part["file"] for part in listed}
        self.before += [self._where(name).finding("V803", "not listed in the manifest (left by another run?)")
                        for name in present if name not in names]
        self.before += [self._where(part["file"]).finding("V802", f"listed in {MANIFEST}, not in the folder")
                        for part in listed if part["file"] not in present]
        self.parts = [part for part in listed if part["file"] in present]
        if problem is None:
            self.before += self._repeated_ids()

    def _repeated_ids(self) -> list[Finding]:
        """V701 for a document whose id a document of an earlier part has (within one part, its validation says so),
        read from the parts' receipts (parts.repeated_ids); V805 for each receipt that cannot say, and then no V701."""
        receipts = [self.folder.read_json(receipt_name(part.get("part", ""))) for part in self.parts]
        unread = [self._where(receipt_name(part.get("part", ""))).finding(
                      "V805", f"no readable receipt of {part['file']} (its ids): a document in two parts goes unseen")
                  for part, receipt in zip(self.parts, receipts) if not readable_receipt(receipt)]
        if unread:
            return unread
        return [Where(file=f"{self.shown}/{self.parts[index]['file']}", line=line, record_id=doc_id).at("id").finding(
                    "V701", f"record {doc_id!r} is also in {self.parts[earlier]['file']}")
                for index, line, doc_id, earlier in repeated_ids(receipts) if earlier != index]

    def _where(self, name: str) -> Where:
        return Where(file=f"{self.shown}/{name}")

    def findings(self, client=None) -> Iterator[Finding]:
        """Every finding, parts in the manifest's order (at most `limit` a code from each part: `more` counts
        the others)."""
        yield from self.before
        args = [(self.folder.location, part["file"], f"{self.shown}/{part['file']}", self.kind, self.limit,
                 max_depth.get()) for part in self.parts]
        if client is None:
            results = (validate_part(*a) for a in args)
        else:
            results = (future.result() for future in [client.submit(validate_part, *a, pure=False) for a in args])
        for part, result in zip(self.parts, results):
            expected = part.get("sha256")
            if expected and result["sha256"] != expected:
                yield self._where(part["file"]).finding(
                    "V801", f"sha256 {result['sha256'][:12]}…, the manifest says {expected[:12]}…: changed since the "
                            "run (re-running the same `attrib annotate --cluster` redoes it)")
            self.documents += result["documents"]
            yield from result["findings"]
            self.more.update(result["more"])
