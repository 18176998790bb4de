"""What the ledger must know to accept a new act: registered units, effective reports and tasks (with
their completions), stored act ids.

The index is a fold over the stored acts, kept by each writer and caught up inside the write transaction,
so every batch is checked against exactly the history it will follow. A batch is checked act by act
(later acts may name earlier ones of the same batch); a rejected batch leaves the index as it was.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from ledger.acts import ITEM_ACTS, Act, StoredAct
from ledger.errors import ActError, BatchRejected

_MISSING = object()


class Filing(NamedTuple):
    act_id: str
    unit: str
    filed_on: dt.date


class Assignment(NamedTuple):
    act_id: str
    unit: str
    assigned_on: dt.date
    required: int | float | None


_new = tuple.__new__  # a named tuple made without its keyword-taking constructor (hot path)


def digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()  # faster than blake2b on such short content


class LedgerIndex:
    def __init__(self, publications: Iterable[str], items: Mapping[str, Iterable[str]]) -> None:
        self.publications = frozenset(publications)
        self.items = {item: frozenset(kinds) for item, kinds in items.items()}  # item -> act types feeding it
        self.position = 0
        self.acts: dict[str, tuple[bytes, str]] = {}  # id -> (content digest, type)
        self.voided: set[str] = set()
        self.units: dict[str, str] = {}  # unit -> id of its effective registration
        self.reports: dict[str, Filing] = {}  # report -> its effective filing
        self.owners: dict[str, str] = {}  # report -> the unit that first filed it (its owner for ever)
        # the part before '/' of act and report ids -> the unit that first filed under it ("" for an act
        # that is not a filing): a slug whose ids another unit uses already cannot be registered
        self.prefixes: dict[str, str] = {}
        self.tasks: dict[str, Assignment] = {}  # task -> its effective assignment
        self.completions: dict[str, str] = {}  # task -> id of its effective completion
        self.defines: dict[str, tuple[str, str]] = {}  # defining act id -> (kind, key), e.g. ("task", "T1")
        self.located: dict[str, tuple[int, str]] = {}  # stored act id -> (position, recorded_at)
        self._undo: list[tuple[Any, Any, Any]] | None = None  # (table, key, old value) since `begin`
        self._new: list[str] = []  # ids taken into `acts` since `begin`
        # what bad lines of the batch begun would have defined: (kind, name) -> the first such line
        self.claims: dict[tuple[str, str], int] = {}

    # --- folding stored history -------------------------------------------------------------

    def fold(self, act: StoredAct) -> None:
        """Take one stored act into the index (stored acts were checked when they were appended)."""
        self.acts[act.id] = (digest(_content(act)), act.type)
        self._apply(act.id, act.type, act.occurred_on, act.fields)
        self.located[act.id] = (act.position, act.recorded_at)
        self.position = act.position

    # --- checking a batch -------------------------------------------------------------------

    def admit(self, batch: list[tuple[int, Act]]) -> list[bool]:
        """Check a batch against the index and take it in; returns, per act, whether it is new.

        Raises BatchRejected listing every bad act; the index is then unchanged.
        """
        self.begin()
        try:
            fresh, errors = self.check(batch)
            if errors:
                raise BatchRejected(errors, conflict=conflicting(errors))
        except BaseException:
            self.rollback()
            raise
        return fresh

    def begin(self) -> None:
        """Start taking in a batch, which may arrive in several parts (`check`), until `commit` or
        `rollback`."""
        self._undo = []
        self._new = []
        self.claims = {}

    def claim(self, claims: Mapping[tuple[str, str], int]) -> None:
        """Note what bad lines of the batch, left out, would have defined (see `defined_by`): an act naming
        one of these later is unknown all the same, and its error names the line it depends on."""
        for key, line in claims.items():
            self.claims.setdefault(key, line)

    def check(self, part: Sequence[tuple[int, Act]]) -> tuple[list[bool], list[ActError]]:
        """Check part of the batch begun, taking in its good acts: per act whether it is new, and every
        bad act's error (later acts may name earlier ones of the batch; a bad act is left out)."""
        fresh: list[bool] = []
        errors: list[ActError] = []
        acts, new = self.acts, self._new
        for where, act in part:
            content_digest = digest(act.content())
            known = acts.get(act.id)
            if known is not None:
                fresh.append(False)
                if known[0] != content_digest:
                    errors.append(
                        ActError(
                            where,
                            "id",
                            f"{act.id!r} 已存有内容不同的行为 "
                            f"({act.id!r} is already stored with other content)",
                        )
                    )
                continue
            try:
                self._check(where, act)
            except ActError as e:
                errors.append(e)
                fresh.append(False)
                for key in defined_by(act.type, act.id, act.fields):
                    self.claims.setdefault(key, where)
                continue
            acts[act.id] = (content_digest, act.type)
            new.append(act.id)
            self._apply(act.id, act.type, act.occurred_on, act.fields)
            fresh.append(True)
        return fresh, errors

    def commit(self, position: int) -> None:
        """The batch taken in is stored; its last act sits at `position`."""
        self._undo = None
        self._new = []
        self.claims = {}
        self.position = position

    def rollback(self) -> None:
        """Forget the acts taken in since `begin` (the store refused them)."""
        for target, key, old in reversed(self._undo or []):
            if isinstance(target, set):
                if old is _MISSING:
                    target.discard(key)
                else:
                    target.add(key)
            elif old is _MISSING:
                target.pop(key, None)
            else:
                target[key] = old
        for act_id in self._new:
            del self.acts[act_id]
            self.located.pop(act_id, None)
        self._undo = None
        self._new = []
        self.claims = {}

    def _check(self, where: int, act: Act) -> None:
        f = act.fields
        kind = act.type
        if kind == "unit.registered" and f["unit"] in self.units:
            raise ActError(
                where, "unit", f"单位 {f['unit']!r} 已登记 (unit {f['unit']!r} is already registered)"
            )
        if kind == "unit.registered" and self.prefixes.get(f["unit"], f["unit"]) != f["unit"]:
            raise ActError(
                where,
                "unit",
                f"以 '{f['unit']}/' 开头的编号已被使用，请用其他代码登记该单位 "
                f"(ids under '{f['unit']}/' are in use already: a unit's slug heads ids that are its own "
                "alone, so register the unit under another slug)",
            )
        if kind != "unit.registered" and "unit" in f:
            self._need_unit(where, "unit", f["unit"])
        for unit in f.get("units", ()):
            self._need_unit(where, "units", unit)
        if kind == "report.filed":
            self._check_filing(where, act)
        elif "/" in act.id:
            self._check_reserved(where, act.id)
        if kind != "report.filed" and "report" in f:
            filing = self.reports.get(f["report"])
            if filing is None:
                report = f["report"]
                raise self._unknown(
                    where, "report", f"未知的报送 {report!r} (unknown report {report!r})", ("report", report)
                )
            if act.occurred_on < filing.filed_on:
                raise ActError(
                    where,
                    "occurred_on",
                    f"{act.occurred_on} 早于报送 {f['report']!r} 的报送日期 {filing.filed_on} "
                    f"({act.occurred_on} is before report {f['report']!r} was filed ({filing.filed_on}))",
                )
        if kind == "report.adopted" and f["publication"] not in self.publications:
            raise ActError(
                where,
                "publication",
                f"未知的刊物 {f['publication']!r}（可用：{'、'.join(sorted(self.publications))}）"
                f"(unknown publication {f['publication']!r})",
            )
        if kind in ITEM_ACTS:
            self._check_item(where, kind, f["item"])
        if kind == "task.assigned" and f["task"] in self.tasks:
            raise ActError(
                where,
                "task",
                f"任务 {f['task']!r} 已下达，请先作废原下达 "
                f"(task {f['task']!r} is already assigned (void that assignment first))",
            )
        if kind == "task.completed":
            self._check_completion(where, act)
        if kind == "event.voided":
            target = self.acts.get(f["target"])
            if target is None:
                raise self._unknown(
                    where,
                    "target",
                    f"未知的行为 {f['target']!r} (unknown act {f['target']!r})",
                    ("act", f["target"]),
                )
            if target[1] == "event.voided":
                raise ActError(
                    where,
                    "target",
                    f"{f['target']!r} 本身是作废，作废不能再作废 "
                    f"({f['target']!r} is a void; a void cannot be voided)",
                )
            if f["target"] in self.voided:
                raise ActError(where, "target", f"{f['target']!r} 已作废 ({f['target']!r} is already voided)")
            defined = self.defines.get(f["target"])
            if defined is not None and defined[0] == "task" and defined[1] in self.completions:
                raise ActError(
                    where,
                    "target",
                    f"任务 {defined[1]!r} 已有完成记录 {self.completions[defined[1]]!r}，请先作废它 "
                    f"(task {defined[1]!r} has a completion ({self.completions[defined[1]]!r}); "
                    "void it first)",
                )

    def _check_filing(self, where: int, act: Act) -> None:
        """A report id is its unit's for ever: once filed, only that unit may file it again (after its
        filing is voided), and an id that begins with a registered unit's slug and '/' is that unit's
        from the start. So no filing can take over another unit's report or the credit bound to it."""
        f = act.fields
        report, unit = f["report"], f["unit"]
        if report in self.reports:
            raise ActError(
                where,
                "report",
                f"报送 {report!r} 已报送，请先作废原报送 "
                f"(report {report!r} is already filed (void that filing first))",
            )
        owner = self.owners.get(report)
        if owner is not None and owner != unit:
            raise ActError(
                where,
                "report",
                f"报送 {report!r} 属于单位 {owner!r}：报送编号一经使用即归该单位，请换用其他编号 "
                f"(report {report!r} belongs to unit {owner!r}: a report id, once filed, "
                "is its unit's for ever (file it under another id))",
            )
        for value, field in ((report, "report"), (act.id, "id")):
            prefix = value.partition("/")[0] if "/" in value else None
            if prefix is not None and prefix != unit and prefix in self.units:
                raise ActError(
                    where,
                    field,
                    f"{value!r} 以单位 {prefix!r} 开头：'{prefix}/' 下的编号归该单位 "
                    f"({value!r} begins with unit {prefix!r}: ids under '{prefix}/' are that unit's own)",
                )

    def _check_reserved(self, where: int, act_id: str) -> None:
        """Act ids under a registered unit's slug ('xingqing/…') are kept for that unit's own filings."""
        prefix = act_id.partition("/")[0]
        if prefix in self.units:
            raise ActError(
                where,
                "id",
                f"{act_id!r} 以单位 {prefix!r} 开头：'{prefix}/' 下的编号留给该单位自己的报送 "
                f"({act_id!r} begins with unit {prefix!r}: ids under '{prefix}/' are kept for "
                "that unit's own filings)",
            )

    def _check_completion(self, where: int, act: Act) -> None:
        f = act.fields
        assignment = self.tasks.get(f["task"])
        if assignment is None:
            task = f["task"]
            raise self._unknown(
                where,
                "task",
                f"未知的任务 {task!r}，请先下达 (unknown task {task!r} (assign it first))",
                ("task", task),
            )
        if f["task"] in self.completions:
            raise ActError(
                where,
                "task",
                f"任务 {f['task']!r} 已完成，请先作废原完成记录 "
                f"(task {f['task']!r} is already completed (void that completion first))",
            )
        if act.occurred_on < assignment.assigned_on:
            raise ActError(
                where,
                "occurred_on",
                f"{act.occurred_on} 早于任务 {f['task']!r} 的下达日期 {assignment.assigned_on} "
                f"({act.occurred_on} is before task {f['task']!r} was assigned ({assignment.assigned_on}))",
            )
        if assignment.required is not None and "amount" not in f:
            raise ActError(
                where,
                "amount",
                f"缺少此字段：任务 {f['task']!r} 要求完成量 {assignment.required} "
                f"(is missing (task {f['task']!r} requires an amount of {assignment.required}))",
            )
        if assignment.required is None and "amount" in f:
            raise ActError(
                where,
                "amount",
                f"任务 {f['task']!r} 未规定要求完成量 (task {f['task']!r} sets no required amount)",
            )

    def _check_item(self, where: int, kind: str, item: str) -> None:
        """An act naming an item no rulebook has would be stored and then fed into no score."""
        fed = self.items.get(item)
        if fed is None:
            raise ActError(
                where,
                "item",
                f"未知的考核项目 {item!r}（{known_items(item, self.items)}）(unknown item)",
            )
        if kind not in fed:
            feeding = ", ".join(sorted(fed))
            raise ActError(
                where,
                "item",
                f"考核项目 {item!r} 只接受 {feeding}，不接受 {kind} "
                f"(item {item!r} is fed by {feeding} only, not {kind})",
            )

    def _need_unit(self, where: int, field: str, unit: str) -> None:
        if unit not in self.units:
            raise self._unknown(
                where,
                field,
                f"未知的单位 {unit!r}，请先登记 (unknown unit {unit!r} (register it first))",
                ("unit", unit),
            )

    def _unknown(self, where: int, field: str, message: str, key: tuple[str, str]) -> ActError:
        """An act names something not defined: said so, with the bad line of the batch that would have
        defined it, if there is one."""
        return ActError(where, field, message, self.claims.get(key))

    # --- the fold itself ----------------------------------------------------------------------

    def _apply(self, act_id: str, kind: str, occurred_on: dt.date, f: Any) -> None:
        """Take in what an act defines or voids (its own entry in `acts` is the caller's)."""
        filer = f["unit"] if kind == "report.filed" else ""
        if "/" in act_id:
            self._note_prefix(act_id, filer)
        if kind == "report.filed":
            if "/" in f["report"]:
                self._note_prefix(f["report"], filer)
            self._set(self.reports, f["report"], _new(Filing, (act_id, f["unit"], occurred_on)))
            if f["report"] not in self.owners:
                self._set(self.owners, f["report"], f["unit"])
            self._set(self.defines, act_id, ("report", f["report"]))
        elif kind == "unit.registered":
            self._set(self.units, f["unit"], act_id)
            self._set(self.defines, act_id, ("unit", f["unit"]))
        elif kind == "task.assigned":
            assignment = Assignment(act_id, f["unit"], occurred_on, f.get("required"))
            self._set(self.tasks, f["task"], assignment)
            self._set(self.defines, act_id, ("task", f["task"]))
        elif kind == "task.completed":
            self._set(self.completions, f["task"], act_id)
            self._set(self.defines, act_id, ("completion", f["task"]))
        elif kind == "event.voided":
            target = f["target"]
            self._add(self.voided, target)
            defined = self.defines.get(target)
            if defined is not None:
                tables: dict[str, dict[str, Any]] = {
                    "unit": self.units,
                    "report": self.reports,
                    "task": self.tasks,
                    "completion": self.completions,
                }
                self._pop(tables[defined[0]], defined[1])

    def _note_prefix(self, value: str, filer: str) -> None:
        prefix = value.partition("/")[0]
        if prefix not in self.prefixes:
            self._set(self.prefixes, prefix, filer)

    def _set(self, target: dict[Any, Any], key: Any, value: Any) -> None:
        if self._undo is not None:
            self._undo.append((target, key, target.get(key, _MISSING)))
        target[key] = value

    def _pop(self, target: dict[Any, Any], key: Any) -> None:
        if self._undo is not None:
            self._undo.append((target, key, target.get(key, _MISSING)))
        target.pop(key, None)

    def _add(self, target: set[Any], key: Any) -> None:
        if self._undo is not None:
            self._undo.append((target, key, key if key in target else _MISSING))
        target.add(key)


DEFINING = {"unit.registered": "unit", "report.filed": "report", "task.assigned": "task"}


def defined_by(kind: Any, act_id: Any, fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What an act would define, as (kind, name): its id ("act") and the unit it registers, the report it
    files or the task it assigns. Works on a raw act too (a line that failed its shape check): values
    that are not text are passed over."""
    named = [("act", act_id)] if isinstance(act_id, str) else []
    field = DEFINING.get(kind) if isinstance(kind, str) else None
    if field is not None and isinstance(fields.get(field), str):
        named.append((field, fields[field]))
    return named


def conflicting(errors: list[ActError]) -> bool:
    """Whether the only faults are ids already stored with other content (a 409, not a 422)."""
    return all(e.field == "id" and "already stored" in e.message for e in errors)


def known_items(item: str, items: Iterable[str], listed: int = 12) -> str:
    """The items there are, for an error: all of them when few, else the closest to `item` and a count."""
    known = sorted(items)
    if not known:
        return "目录中的考核办法没有考核项目"
    if len(known) <= listed:
        return f"可用的项目：{'、'.join(known)}"
    close = difflib.get_close_matches(item, known, n=5)
    nearest = f"最接近的：{'、'.join(close)}；" if close else "没有相近的项目；"
    return f"{nearest}目录中的考核办法共有 {len(known)} 个项目"


def _content(act: StoredAct) -> bytes:
    return Act(act.id, act.type, act.occurred_on, act.fields).content()
