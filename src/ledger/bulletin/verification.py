"""Verifying a bulletin's manifest against the ledger.

`verify` reads the ledger once and answers two questions. Is the bulletin reproducible: made again from the
same prefix of the ledger (the acts up to the manifest's position and known-at), is the document
byte-identical? And is it still current: as the ledger knows the period now, are the figures the same, and
if not, which units' figures differ and which acts recorded since explain it?
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import __version__
from ledger.acts import StoredAct
from ledger.bulletin.issue import MANIFEST_KIND, Request, code_of, make
from ledger.characters import visible
from ledger.checkpoints import CheckpointError, parse, signature_fault
from ledger.errors import LedgerError
from ledger.services import Ledger
from ledger.store.chain import check

FIGURES = ("rank", "filed", "adoptions", "adopted", "endorsements", "total", "criticised")
FIGURE_NAMES = {  # what the bulletin's table calls each figure
    "rank": "排名", "filed": "报送数", "adoptions": "采用数", "adopted": "采用合计", "endorsements": "批示",
    "total": "得分", "criticised": "通报批评",
}  # fmt: skip


@dataclass(frozen=True)
class Change:
    """A unit whose figures differ: each differing figure as (before, after)."""

    unit: str
    name: str
    figures: dict[str, tuple[Any, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "name": self.name,
            "figures": {k: {"before": b, "after": a} for k, (b, a) in self.figures.items()},
        }


@dataclass(frozen=True)
class LaterAct:
    """An act recorded after the bulletin's prefix that concerns a unit whose figures differ."""

    position: int
    id: str
    type: str
    occurred_on: str
    recorded_at: str
    units: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "units": list(self.units)}


@dataclass
class Verification:
    manifest: dict[str, Any]
    rebuilt_sha256: str | None  # None when the ledger holds none of the acts it was made from
    identical: bool  # made again from the same prefix, the document is byte-identical
    history_intact: bool  # the act at the manifest's position is the one it was made from
    rulebook_now: dict[str, Any]
    engine_now: str
    renderer_now: dict[str, Any] | None
    changed_then: list[Change]  # figures that differ in the document made again from the same prefix
    recorded_since: int  # acts recorded after the prefix
    changed_now: list[Change]  # figures that differ as the ledger knows the period now
    explaining: list[LaterAct]  # acts recorded since that concern the units of changed_now
    file_sha256: str | None = None  # the document file beside the manifest, when it is there
    notes: list[str] = field(default_factory=list)
    anchored: bool | None = None  # the manifest's signed checkpoint holds (None: it carries none)

    @property
    def code(self) -> str | None:
        """The 核验码 the manifest gives (None: a manifest of a version that printed none)."""
        code = self.manifest.get("code")
        return code if isinstance(code, str) else None

    @property
    def code_matches(self) -> bool | None:
        """The manifest's 核验码 is the one its own content gives (an edited manifest's is not)."""
        return None if self.code is None else self.code == code_of(self.manifest)

    @property
    def current(self) -> bool:
        return not self.changed_now

    @property
    def file_matches(self) -> bool | None:
        return None if self.file_sha256 is None else self.file_sha256 == self.manifest["document"]["sha256"]

    @property
    def ok(self) -> bool:
        sound = self.file_matches is not False and self.code_matches is not False
        return self.identical and self.current and sound

    @property
    def exit_code(self) -> int:
        """0: identical and current; 1: reproducible but superseded by acts recorded since; 4: the document
        cannot be made again identically (history, rulebook, engine or file differ)."""
        if not self.identical or self.file_matches is False or not self.history_intact:
            return 4
        if self.code_matches is False:
            return 4
        if self.anchored is False:
            return 4
        return 0 if self.current else 1

    def as_json(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "ok": self.ok,
            "identical": self.identical,
            "current": self.current,
            "history_intact": self.history_intact,
            "checkpoint": self.anchored,
            "code": self.code,
            "code_matches": self.code_matches,
            "document_sha256": m["document"]["sha256"],
            "rebuilt_sha256": self.rebuilt_sha256,
            "file": m["document"].get("file"),
            "file_sha256": self.file_sha256,
            "file_matches": self.file_matches,
            "rulebook": {"manifest": m["rulebook"], "now": self.rulebook_now},
            "engine_version": {"manifest": m["engine_version"], "now": self.engine_now},
            "renderer": {"manifest": m.get("renderer"), "now": self.renderer_now},
            "changed_then": [c.as_json() for c in self.changed_then],
            "recorded_since": self.recorded_since,
            "changed_now": [c.as_json() for c in self.changed_now],
            "explaining": [a.as_json() for a in self.explaining],
            "notes": self.notes,
        }

    def report(self) -> list[str]:
        """The answer as lines of text."""
        m = self.manifest
        book = m["rulebook"]
        out = [
            f"通报 {book['id']} 第 {book['version']} 版 · 期间 {m['period']} · 截至 {m['as_of']} · 已知于 "
            f"{m['known_at']} · 位置 {m['position']} · {m['format']}"
        ]
        if self.rebuilt_sha256 is None:
            out.append("不一致 (not identical)：账本中没有通报所据的任何行为")
        elif self.identical:
            out.append(f"一致 (identical)：按同一批行为重新生成，文件 sha256 {self.rebuilt_sha256}")
        else:
            out.append(
                "不一致 (not identical)：按同一批行为重新生成，文件 sha256 "
                f"{self.rebuilt_sha256}，清单记为 {m['document']['sha256']}"
            )
            out += [f"  {_change_text(c)}" for c in self.changed_then]
            if not self.changed_then:
                out.append("  各单位数字相同；差异在文件本身")
        if self.code is not None:
            out.append(
                f"核验码 {self.code}：与清单内容相符"
                if self.code_matches
                else f"核验码 {self.code}：与清单内容不符（清单已被改动）"
            )
        out += [f"  {note}" for note in self.notes]
        if self.file_sha256 is not None:
            verdict = "与清单相符" if self.file_matches else "与清单不符"
            out.append(f"文件 {m['document']['file']}：sha256 {self.file_sha256} {verdict}")
        if self.current:
            tail = (
                f"；此后记录的 {self.recorded_since} 条行为均未改变其数字"
                if self.recorded_since
                else "；此后没有记录新的行为"
            )
            out.append("仍为最新 (current)：按账本现有记录，该期间各单位的数字相同" + tail)
            return out
        out.append(
            f"已过时 (superseded)：位置 {m['position']} 之后记录了 {self.recorded_since} 条行为；"
            f"按账本现有记录，{len(self.changed_now)} 个单位的数字不同："
        )
        for change in self.changed_now:
            out.append(f"  {_change_text(change)}")
            acts = [a for a in self.explaining if change.unit in a.units]
            for a in acts:
                out.append(
                    f"      行为 {a.id}（{a.type}，发生于 {a.occurred_on}，记录于 {a.recorded_at}，"
                    f"位置 {a.position}，单位 {'、'.join(a.units)}）"
                )
            if not acts and set(change.figures) == {"rank"}:
                out.append("      （名次随其他单位的得分变动）")
            elif not acts:
                out.append("      （此后记录的行为与该单位无关）")
        return out


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as e:
        raise LedgerError(f"{path}：无法读取（{e.strerror}）(cannot be read)") from None
    except orjson.JSONDecodeError as e:
        raise LedgerError(f"{path}：不是合法的 JSON（{e}）") from None
    if not isinstance(data, dict) or data.get("kind") != MANIFEST_KIND:
        raise LedgerError(f'{path}：不是通报清单（缺少 "kind": "{MANIFEST_KIND}"）')
    missing = [
        k for k in ("request", "known_at", "position", "document", "units", "rulebook") if k not in data
    ]
    if missing:
        raise LedgerError(f"{path}：清单缺少 {'、'.join(missing)}")
    return data


def verify(
    ledger: Ledger,
    manifest: dict[str, Any],
    document_file: Path | None = None,
    keys: Sequence[Ed25519PublicKey] = (),
) -> Verification:
    """Make the bulletin again from the manifest's prefix of the ledger and as the ledger stands now, and
    compare both with the manifest (and its signed checkpoint, when it carries one, under `keys`)."""
    asked = manifest["request"]
    position, known_at = int(manifest["position"]), str(manifest["known_at"])
    everything = list(ledger.store.read())
    then = list(
        itertools.takewhile(lambda a: a.position <= position and a.recorded_at <= known_at, everything)
    )
    since = everything[len(then) :]
    base = Request(
        rulebook=asked["rulebook"],
        period=asked["period"],
        format=manifest["format"],
        as_of=asked["as_of"],
        known_at=known_at,
        number=asked.get("number"),
        to=asked.get("to"),
        cc=asked.get("cc"),
        issued_on=asked.get("issued_on"),
    )
    notes: list[str] = []
    anchored = _anchored(ledger, manifest, keys, notes) if "checkpoint" in manifest else None
    again = make(ledger, base, then) if then else None
    intact = bool(then) and then[-1].position == position and then[-1].chain == manifest.get("chain")
    if not intact:
        notes.append(
            f"账本中位置 {position} 的行为不是通报所据的那一条（缺失，或链哈希不同）：历史已不同"
            " (not the same history)"
        )
    if not everything:
        raise LedgerError("账本中没有行为：无法据以重新生成通报")
    # Only the figures matter as the ledger stands now: the cheapest format gives them.
    current = replace(base, format="html", known_at=None)
    now = make(ledger, current, everything) if since or again is None else again
    rulebook_now = now.manifest["rulebook"]
    if rulebook_now.get("sha256") != manifest["rulebook"].get("sha256"):
        notes.append(
            f"考核办法 {rulebook_now['id']} 第 {rulebook_now['version']} 版现在的 sha256 为 "
            f"{rulebook_now['sha256']}，清单记为 {manifest['rulebook'].get('sha256')}"
        )
    if manifest.get("engine_version") != __version__:
        notes.append(f"程序版本现为 {__version__}，清单记为 {manifest.get('engine_version')}")
    renderer_now = again.manifest["renderer"] if again else None
    if renderer_now is not None and manifest.get("renderer") not in (None, renderer_now):
        notes.append(
            f"排版程序现为 {orjson.dumps(renderer_now).decode()}，"
            f"清单记为 {orjson.dumps(manifest['renderer']).decode()}"
        )
    changed_now = compare(manifest["units"], now.manifest["units"])
    file_sha = None
    if document_file is not None and document_file.is_file():
        file_sha = hashlib.sha256(document_file.read_bytes()).hexdigest()
    return Verification(
        manifest=manifest,
        rebuilt_sha256=again.sha256 if again else None,
        identical=again is not None and again.sha256 == manifest["document"]["sha256"],
        history_intact=intact,
        rulebook_now=rulebook_now,
        engine_now=__version__,
        renderer_now=renderer_now,
        changed_then=compare(manifest["units"], again.manifest["units"]) if again else [],
        recorded_since=len(since),
        changed_now=changed_now,
        explaining=explain(everything, since, {c.unit for c in changed_now}),
        file_sha256=file_sha,
        notes=notes,
        anchored=anchored,
    )


def _anchored(
    ledger: Ledger, manifest: dict[str, Any], keys: Sequence[Ed25519PublicKey], notes: list[str]
) -> bool:
    """Whether the manifest's checkpoint is of its position and chain, signed by one of `keys` (when
    given), and the ledger's recomputed chain still reaches it; what is found goes into `notes`."""
    try:
        checkpoint = parse(manifest["checkpoint"], "清单中的检查点")
    except CheckpointError as e:
        notes.append(str(e))
        return False
    if (checkpoint.position, checkpoint.chain) != (manifest["position"], manifest.get("chain")):
        notes.append("清单中的检查点不是通报所据的位置与链头")
        return False
    fault = signature_fault(checkpoint, keys) if keys else None
    if fault:
        notes.append(f"清单中的检查点被拒：{fault}")
        return False
    found = check(ledger.store, {checkpoint.position: checkpoint.chain}, upto=checkpoint.position)
    if found.broken is not None:
        notes.append(f"账本历史与清单中的检查点不符：位置 {found.broken}：{found.what}")
        return False
    signed = "签名已核验" if keys else "签名未核验（未给 --public-key）"
    notes.append(f"清单中的检查点相符：位置 {checkpoint.position}，链头 {checkpoint.chain[:12]}…，{signed}")
    return True


def verify_file(ledger: Ledger, path: Path, keys: Sequence[Ed25519PublicKey] = ()) -> Verification:
    """Verify a manifest file; the document beside it (named in the manifest) is checked when present."""
    manifest = read_manifest(path)
    name = manifest["document"].get("file")
    return verify(ledger, manifest, path.with_name(name) if isinstance(name, str) and name else None, keys)


def compare(before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]) -> list[Change]:
    """Units whose figures differ, in the order of `before` then the units only `after` has."""
    old = {u["unit"]: u for u in before}
    new = {u["unit"]: u for u in after}
    changes = []
    for unit in [*old, *(u for u in new if u not in old)]:
        a, b = old.get(unit), new.get(unit)
        if a is None or b is None:
            changes.append(
                Change(unit, (a or b or {}).get("name", unit), {"listed": (a is not None, b is not None)})
            )
            continue
        differing = {k: (a.get(k), b.get(k)) for k in FIGURES if a.get(k) != b.get(k)}
        if differing:
            changes.append(Change(unit, b["name"], differing))
    return changes


def explain(everything: Sequence[StoredAct], since: Sequence[StoredAct], units: set[str]) -> list[LaterAct]:
    """The acts recorded since that concern any of `units`: naming them, about their reports (filed by them
    or adopted as combined for them), or voiding an act that does."""
    if not units or not since:
        return []
    filer: dict[str, str] = {}
    combined: dict[str, set[str]] = {}
    for act in everything:
        f = act.fields
        if act.type == "report.filed":
            filer[f["report"]] = f["unit"]
        elif act.type == "report.adopted" and f.get("form") == "combined":
            combined.setdefault(f["report"], set()).update(f.get("units", ()))
    by_id = {act.id: act for act in everything}

    def concerned(act: StoredAct, depth: int = 0) -> set[str]:
        f = act.fields
        found: set[str] = set()
        if isinstance(f.get("unit"), str):
            found.add(f["unit"])
        found.update(f.get("units", ()) or ())
        report = f.get("report")
        if isinstance(report, str):
            if report in filer:
                found.add(filer[report])
            found.update(combined.get(report, ()))
        target = by_id.get(f.get("target", "")) if act.type == "event.voided" else None
        if target is not None and depth < 8:
            found |= concerned(target, depth + 1)
        return found

    out = []
    for act in since:
        touched = sorted(concerned(act) & units)
        if touched:
            out.append(
                LaterAct(
                    act.position,
                    act.id,
                    act.type,
                    act.occurred_on.isoformat(),
                    act.recorded_at,
                    tuple(touched),
                )
            )
    return out


def _change_text(change: Change) -> str:
    parts = []
    for key, (before, after) in change.figures.items():
        if key == "adoptions" and isinstance(before, dict) and isinstance(after, dict):
            for pub in dict.fromkeys([*before, *after]):
                if before.get(pub) != after.get(pub):
                    parts.append(f"采用数 {pub} {before.get(pub)} → {after.get(pub)}")
        elif key == "listed":
            parts.append("新列入" if after else "不再列入")
        else:
            parts.append(f"{FIGURE_NAMES.get(key, key)} {_show(before)} → {_show(after)}")
    return f"{visible(change.name)}（{change.unit}）：" + "；".join(parts)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "；".join(map(str, value)) or "无"
    return str(value)
