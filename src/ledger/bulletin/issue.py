"""Making a bulletin from the ledger, and writing the document with its manifest.

A bulletin is made from a prefix of the ledger: the acts recorded at or before the known-at time (by
default the recorded time of the last act, so that the bulletin can be made again). The manifest names
that prefix (its last position and that act's chain hash), the rulebook's sha256, the engine and renderer
versions, the document's sha256 and every unit's figures.

`ledger.bulletin.verification` checks a manifest against the ledger.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from ledger import __version__
from ledger.acts import StoredAct
from ledger.bulletin.fonts import find_fonts
from ledger.bulletin.htmldoc import render_html
from ledger.bulletin.model import Bulletin, build
from ledger.bulletin.particulars import Particulars
from ledger.bulletin.pdfdoc import render_pdf
from ledger.bulletin.xlsxdoc import render_xlsx
from ledger.errors import LedgerError
from ledger.instants import parse_instant
from ledger.services import Ledger, scored

FORMATS = ("html", "pdf", "xlsx")
MANIFEST_KIND = "ledger.bulletin.manifest"
MANIFEST_VERSION = 2  # 2: the particulars in the request, the provenance and the 核验码 (code)
CODE_LENGTH = 12
UNCODED = frozenset({"code", "renderer", "document", "checkpoint", "known_at_given"})


@dataclass(frozen=True)
class Request:
    """What a bulletin is made of: the rulebook as named (ID, ID@VERSION or a file), the period, the dates,
    the format and the particulars (文号/期号, 主送, 抄送, 印发日期)."""

    rulebook: str
    period: str
    format: str
    as_of: str | None = None
    known_at: str | None = None
    number: str | None = None
    to: str | None = None
    cc: str | None = None
    issued_on: str | None = None

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise LedgerError(f"格式 {self.format!r} 不是 {'、'.join(FORMATS)} 之一 (format)")
        given = self.particulars  # checked here, so that a bad one is refused before the store is read
        for name, value in given.as_json().items():
            object.__setattr__(self, name, value)

    @property
    def particulars(self) -> Particulars:
        return Particulars(self.number, self.to, self.cc, self.issued_on)


@dataclass(frozen=True)
class Issued:
    """A made bulletin: the data, the rendered document and its manifest."""

    bulletin: Bulletin
    content: bytes
    manifest: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def issue(ledger: Ledger, request: Request) -> Issued:
    """Make a bulletin from everything the ledger holds up to the request's known-at time."""
    return make(ledger, request, list(ledger.store.read(known_at=_cut(request.known_at))))


def _cut(known_at: str | None) -> str | None:
    return parse_instant(known_at) if known_at else None


def make(ledger: Ledger, request: Request, acts: Sequence[StoredAct]) -> Issued:
    """Make a bulletin from a prefix of the ledger (acts in position order, already cut at known-at)."""
    if not acts:
        raise LedgerError("截至所据的知悉时点，账本中没有行为：无可通报 (nothing to issue)")
    selection = ledger.selection(request.rulebook)
    last = acts[-1]
    cut = _cut(request.known_at) or last.recorded_at
    document, facts = scored(selection, request.period, request.as_of, acts, cut)
    bulletin = build(
        document,
        facts,
        selection.versions,
        position=last.position,
        engine=__version__,
        particulars=request.particulars,
    )
    source = {
        "kind": MANIFEST_KIND,
        "manifest_version": MANIFEST_VERSION,
        "request": {
            "rulebook": request.rulebook,
            "period": request.period,
            "as_of": request.as_of,
            "known_at": request.known_at,
            "format": request.format,
            **request.particulars.as_json(),
        },
        "rulebook": document["rulebook"],
        "rulebooks_used": document["rulebooks_used"],
        "period": document["period"],
        "as_of": document["as_of"],
        "known_at": cut,
        "known_at_given": request.known_at is not None,
        "position": last.position,
        "chain": last.chain,
        "engine_version": __version__,
        "format": request.format,
        "provenance": dict(bulletin.provenance),
        "units": bulletin.figures(),
    }
    bulletin = replace(bulletin, code=code_of(source))
    content, environment = renderers(request.format)(bulletin)
    manifest = {
        **source,
        "code": bulletin.code,
        "renderer": environment,
        "document": {"file": None, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)},
    }
    return Issued(bulletin, content, manifest)


def code_of(manifest: dict[str, Any]) -> str:
    """The 核验码 printed on the document: the first 12 hex digits of the sha256 of the manifest's account
    of what the bulletin was made from (everything but the code itself, the renderer, the document's own
    hash and a checkpoint signed in later; the known-at instant it was cut at, whether it was asked for or
    taken from the last act, so that a rebuild from the manifest gives the same code)."""
    source = {k: v for k, v in manifest.items() if k not in UNCODED}
    source["request"] = {k: v for k, v in manifest["request"].items() if k != "known_at"}
    return hashlib.sha256(orjson.dumps(source, option=orjson.OPT_SORT_KEYS)).hexdigest()[:CODE_LENGTH]


def renderers(fmt: str) -> Callable[[Bulletin], tuple[bytes, dict[str, Any]]]:
    """The renderer of a format, returning the bytes and what, beside the bulletin, decides them."""

    def html(b: Bulletin) -> tuple[bytes, dict[str, Any]]:
        return render_html(b), {"format": "html"}

    def pdf(b: Bulletin) -> tuple[bytes, dict[str, Any]]:
        fonts = find_fonts()
        return render_pdf(b, fonts), {"format": "pdf", "fpdf2": _version("fpdf2"), "fonts": fonts.describe()}

    def xlsx(b: Bulletin) -> tuple[bytes, dict[str, Any]]:
        return render_xlsx(b), {"format": "xlsx", "openpyxl": _version("openpyxl")}

    table = {"html": html, "pdf": pdf, "xlsx": xlsx}
    if fmt not in table:
        raise LedgerError(f"格式 {fmt!r} 不是 {'、'.join(FORMATS)} 之一 (format)")
    return table[fmt]


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def with_file(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    """The manifest naming the document's file, as it is written beside it."""
    return {**manifest, "document": {**manifest["document"], "file": name}}


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n"


def write(issued: Issued, out: Path) -> Path:
    """Write the document to `out` and its manifest to `out.manifest.json`; return the manifest's path."""
    target = manifest_path(out)
    try:
        if out.parent and not out.parent.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(issued.content)
        target.write_bytes(manifest_bytes(with_file(issued.manifest, out.name)))
    except OSError as e:
        raise LedgerError(f"{e.filename or out}：无法写入（{e.strerror}）(cannot be written)") from None
    return target
