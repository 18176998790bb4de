"""The ledger's application services: append, import, replay and score. Edges call these only."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ledger import emptiness
from ledger.acts import VOCABULARY, Act, StoredAct, parse_act
from ledger.emptiness import NoUnits, UnitNotRegistered
from ledger.errors import ActError, BatchRejected, LedgerError, NoLedger
from ledger.heap import paused_collection
from ledger.index import defined_by
from ledger.instants import parse_day, parse_instant
from ledger.periods import parse_period
from ledger.render import board_json
from ledger.rulebooks import Catalogue, Rulebook, Selection, load_rulebook
from ledger.sessions import Lifetimes
from ledger.store import Receipt, Store, base, open_store
from ledger.store.base import Part, utc_now
from ledger.whatif import compare
from projections.facts import Facts, gather
from projections.scoring import score

EXPORTED = {"position", "recorded_at", "chain", "id", "type", "occurred_on"}
DEFAULT_DATABASE_URL = "sqlite:///ledger.db"


@dataclass(frozen=True)
class Settings:
    """The ledger's settings, from `LEDGER_`-prefixed environment variables."""

    database_url: str = DEFAULT_DATABASE_URL
    project: tuple[str, ...] = ()  # rulebooks whose scores the service keeps projected (LEDGER_PROJECT)
    sessions: Lifetimes = field(default_factory=Lifetimes)  # LEDGER_SESSION_{IDLE,LIFETIME}_SECONDS
    # The HTTP service's bounds, per worker process (see `ledger serve --help`):
    replays: int = 2  # LEDGER_REPLAYS: replays and what-ifs run at once
    replay_queue: int = 8  # LEDGER_REPLAY_QUEUE: more that may wait for a turn; past them, 503
    replay_wait: float = 15.0  # LEDGER_REPLAY_WAIT: seconds one waits for its turn before 503
    header_timeout: float = 10.0  # LEDGER_HEADER_TIMEOUT: seconds to send a request's headers
    body_timeout: float = 60.0  # LEDGER_BODY_TIMEOUT: seconds to send a request's body after its headers
    max_connections: int = 1000  # LEDGER_MAX_CONNECTIONS: open connections

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        project = tuple(n.strip() for n in os.environ.get("LEDGER_PROJECT", "").split(",") if n.strip())
        return cls(
            database_url=database_url or os.environ.get("LEDGER_DATABASE_URL") or DEFAULT_DATABASE_URL,
            project=project,
            sessions=Lifetimes.from_env(os.environ),
            replays=int(_setting("LEDGER_REPLAYS", cls.replays, 1)),
            replay_queue=int(_setting("LEDGER_REPLAY_QUEUE", cls.replay_queue, 0)),
            replay_wait=_setting("LEDGER_REPLAY_WAIT", cls.replay_wait, 0, whole=False),
            header_timeout=_setting("LEDGER_HEADER_TIMEOUT", cls.header_timeout, 0.1, whole=False),
            body_timeout=_setting("LEDGER_BODY_TIMEOUT", cls.body_timeout, 0.1, whole=False),
            max_connections=int(_setting("LEDGER_MAX_CONNECTIONS", cls.max_connections, 2)),
        )


def _setting(name: str, default: float, least: float, *, whole: bool = True) -> float:
    """A number from the environment, or the default when the variable is unset or empty."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or not (math.isfinite(value) and value >= least):
        kind = "整数" if whole else "数"
        raise LedgerError(f"环境变量 {name} 应为不小于 {least:g} 的{kind} (invalid setting): {text!r}")
    return value


@dataclass(frozen=True)
class ImportResult:
    """What an import stored: how many acts were new and how many were stored already."""

    new: int
    duplicates: int

    @property
    def acts(self) -> int:
        return self.new + self.duplicates

    @classmethod
    def of(cls, receipts: Sequence[Receipt]) -> ImportResult:
        new = sum(r.status == "new" for r in receipts)
        return cls(new, len(receipts) - new)


class Ledger:
    def __init__(self, store: Store, catalogue: Catalogue, *, files_allowed: bool = True) -> None:
        self.store = store
        self.catalogue = catalogue
        self.files_allowed = files_allowed

    @classmethod
    def open(cls, settings: Settings, catalogue: Catalogue | None = None, *, create: bool = True) -> Ledger:
        """The ledger at the settings' URL; with `create`, made if it is not there yet (else NoLedger)."""
        catalogue = catalogue or Catalogue.load()
        store = open_store(settings.database_url, catalogue.publications(), catalogue.items(), create=create)
        return cls(store, catalogue)

    @classmethod
    def init(cls, settings: Settings, catalogue: Catalogue | None = None) -> tuple[Ledger, bool]:
        """The ledger at the settings' URL, made if it is not there: (the ledger, whether it was made)."""
        catalogue = catalogue or Catalogue.load()
        try:
            return cls.open(settings, catalogue, create=False), False
        except NoLedger:
            return cls.open(settings, catalogue, create=True), True

    def close(self) -> None:
        self.store.close()

    # --- writing -----------------------------------------------------------------------------

    def append(self, raw: Sequence[Any], progress: Callable[[int], None] | None = None) -> list[Receipt]:
        """Check and store a batch of JSON acts (all or nothing); `where` counts from 1."""
        with paused_collection():
            return self.store.append(parse_all(enumerate(raw, start=1)), progress=progress)

    def import_lines(
        self, lines: Iterable[bytes], progress: Callable[[int], None] | None = None
    ) -> ImportResult:
        """Import JSON Lines: one act per line, blank lines skipped; a bad line rejects the file.

        The lines are read, checked and stored in parts of `PART` acts inside one transaction, so a file
        of any size is stored whole or not at all without being held in memory. `progress` hears how
        many acts have been stored."""
        lines = iter(lines)
        head = list(itertools.islice(lines, base.LARGE))  # enough to tell a large file
        parts = parts_of(itertools.chain(head, lines))
        large = len(head) == base.LARGE
        new, duplicates = self.store.append_parts(parts, large=large, progress=progress)
        return ImportResult(new, duplicates)

    def export(self) -> Iterator[bytes]:
        """The whole ledger as JSON Lines: every act with its position, recorded time and chain hash."""
        for act in self.store.read():
            yield orjson.dumps({**act.as_json(), "chain": act.chain}) + b"\n"

    def restore(self, lines: Iterable[bytes]) -> int:
        """Load an export into an empty ledger; the same chain results, or nothing is stored."""
        records: list[tuple[int, Act, int, str, str]] = []
        errors: list[ActError] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
                if not isinstance(item, dict) or not item.keys() >= EXPORTED:
                    holds = "、".join(sorted(EXPORTED))
                    raise ActError(number, None, f"导出文件的每行应含 {holds} (an export line holds these)")
                position, recorded_at, chain = (
                    item.pop("position"),
                    item.pop("recorded_at"),
                    item.pop("chain"),
                )
                if (
                    not isinstance(position, int)
                    or not isinstance(recorded_at, str)
                    or not isinstance(chain, str)
                ):
                    malformed = "position、recorded_at 和 chain 格式有误 (malformed)"
                    raise ActError(number, "position", malformed)
                records.append((number, parse_act(item, number, restored=True), position, recorded_at, chain))
            except orjson.JSONDecodeError as e:
                errors.append(ActError(number, None, f"不是有效的 JSON（{e}）(not valid JSON)"))
            except ActError as e:
                errors.append(e)
        if errors:
            raise BatchRejected(errors)
        return self.store.restore(records)

    # --- reading -----------------------------------------------------------------------------

    def score(
        self,
        rulebook: str,
        period: str,
        as_of: str | None = None,
        known_at: str | None = None,
        unit: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        """The scores of a period under a rulebook, as it stood on `as_of`, as known at `known_at`
        (`progress` hears how many acts have been read)."""
        selection = self.selection(rulebook)
        cut = parse_instant(known_at) if known_at else utc_now()
        acts = counted(self.store.read(known_at=cut, chain=False), progress)
        try:
            document, _ = scored(selection, period, as_of, acts, cut, unit)
        except NoUnits as e:
            raise LedgerError(emptiness.no_units(self.store, e.judged, cut)) from None
        except UnitNotRegistered as e:  # said again with the units registered after the day judged too
            units = emptiness.registered(self.store, cut)
            raise LedgerError(emptiness.unit_not_registered(e.unit, e.judged, units)) from None
        return document

    def why_no_units(self, document: dict[str, Any], unit: str | None = None) -> str:
        """Why a score document lists no unit (the ledger, the known-at time, the day judged), or why it
        does not list `unit` (registered after the day judged)."""
        judged = min(parse_period(document["period"]).end, dt.date.fromisoformat(document["as_of"]))
        if unit is not None:
            days = emptiness.registered(self.store, document["known_at"])
            if unit in days and any(day <= judged for day in days.values()):
                return emptiness.unit_not_registered(unit, judged, days)
        return emptiness.no_units(self.store, judged, document["known_at"])

    def why_no_events(
        self,
        *,
        unit: str | None = None,
        report: str | None = None,
        types: Sequence[str] = (),
        occurred_from: str | None = None,
        occurred_to: str | None = None,
        recorded_from: str | None = None,
        known_at: str | None = None,
    ) -> str:
        """Why `events` with these filters found nothing."""
        return emptiness.no_events(
            self.store,
            unit=unit,
            report=report,
            types=types,
            occurred=(
                parse_day(occurred_from, "occurred_from") if occurred_from else None,
                parse_day(occurred_to, "occurred_to") if occurred_to else None,
            ),
            recorded_from=parse_instant(recorded_from, "recorded_from") if recorded_from else None,
            cut=parse_instant(known_at) if known_at else None,
        )

    def whatif(
        self,
        base: str,
        draft: str | Rulebook,
        period: str,
        as_of: str | None = None,
        known_at: str | None = None,
    ) -> dict[str, Any]:
        """The same acts scored under a base and a draft rulebook, compared. Writes nothing."""
        base_selection = self.selection(base)
        draft_selection = (
            Selection((draft,), pinned=True) if isinstance(draft, Rulebook) else self.selection(draft)
        )
        span = parse_period(period)
        day = parse_day(as_of, "as_of") if as_of else span.end
        cut = parse_instant(known_at) if known_at else utc_now()
        with paused_collection():
            facts = gather(self.store.read(known_at=cut, chain=False), day)
            before = board_json(score(facts, base_selection, span, day), cut)
            after = board_json(score(facts, draft_selection, span, day), cut)
        return compare(before, after)

    def selection(self, name: str) -> Selection:
        """A catalogue rulebook (`ID` or `ID@VERSION`), or, where files are allowed (the command line, not
        the service: no request may make the server read a file), a rulebook file's path, pinned."""
        return selection_of(self.catalogue, name) if self.files_allowed else self.catalogue.select(name)

    def events(
        self,
        *,
        unit: str | None = None,
        report: str | None = None,
        types: Sequence[str] = (),
        occurred_from: str | None = None,
        occurred_to: str | None = None,
        recorded_from: str | None = None,
        known_at: str | None = None,
        after: int = 0,
    ) -> Iterator[StoredAct]:
        """Stored acts in position order, filtered. `unit` selects the acts that concern the unit: those
        naming it, those about its reports and tasks, and the voids of those; `report` selects the acts
        about the report and the voids of those. Whether an act concerns the unit or report is judged on
        the whole history up to `known_at`, not only on what follows `after`: pages read from any cursor
        join up to what one stream from the start returns."""
        for kind in types:
            if kind not in VOCABULARY:
                known = "、".join(sorted(VOCABULARY))
                raise LedgerError(f"类型 type 未知：{kind!r}（可用：{known}）(unknown act type)")
        low = parse_day(occurred_from, "occurred_from") if occurred_from else None
        high = parse_day(occurred_to, "occurred_to") if occurred_to else None
        since = parse_instant(recorded_from, "recorded_from") if recorded_from else None
        cut = parse_instant(known_at) if known_at else None
        reports: set[str] = set()
        tasks: set[str] = set()
        if unit:
            for a in self.store.read(types=["report.filed", "task.assigned"], known_at=cut):
                if a.fields["unit"] == unit:
                    (reports if a.type == "report.filed" else tasks).add(
                        a.fields.get("report") or a.fields["task"]
                    )

        def concerns(f: Mapping[str, Any]) -> bool:
            """Whether an act other than a void concerns the unit and the report asked for."""
            if unit and not (
                f.get("unit") == unit
                or unit in f.get("units", ())
                or f.get("report") in reports
                or f.get("task") in tasks
            ):
                return False
            return not report or f.get("report") == report

        # A void concerns what its target concerns (a void is never voided, so one step decides). Its
        # target is one of the acts read here, or, if it lies before `after` or is of a type not read,
        # is looked up by id: only what the voids read name is fetched, never the history before `after`.
        derived = bool(unit or report)
        whole = after == 0 and not types  # every act before each void is read here
        own: set[str] = set()  # the acts read here that concern the unit and report
        looked_up: dict[str, bool] = {}

        def void_concerns(target: str) -> bool:
            if target in own:
                return True
            if whole:
                return False
            if target not in looked_up:
                found = self.store.find(target)
                looked_up[target] = found is not None and concerns(found.fields)
            return looked_up[target]

        for act in self.store.read(after, types=types, known_at=cut):
            f = act.fields
            if derived:
                if act.type == "event.voided":
                    if not void_concerns(f["target"]):
                        continue
                elif concerns(f):
                    own.add(act.id)
                else:
                    continue
            if (low and act.occurred_on < low) or (high and act.occurred_on > high):
                continue
            if since and act.recorded_at < since:
                continue
            yield act

    def units(self, known_at: str | None = None) -> dict[str, dict[str, Any]]:
        """Every registered unit with its name and class history (voids applied)."""
        cut = parse_instant(known_at) if known_at else None
        kinds = ["unit.registered", "unit.reclassified", "event.voided"]
        facts = gather(self.store.read(types=kinds, known_at=cut), dt.date.max)
        return {
            slug: {
                "unit": slug,
                "name": u.name,
                "registered_on": u.registered_on.isoformat(),
                "class": u.classes[-1][2],
                "classes": [
                    {"since": day.isoformat(), "class": cls, "act": act_id}
                    for day, _, cls, act_id in u.classes
                ],
            }
            for slug, u in sorted(facts.units.items())
        }

    def catalogue_entry(self, rulebook_id: str) -> list[dict[str, Any]]:
        selection = self.catalogue.select(rulebook_id)
        return [
            {**b.describe(), "source": Path(b.source).name, "rulebook": b.model.model_dump(mode="json")}
            for b in selection.versions
        ]


def parse_all(items: Iterable[tuple[int, Any]]) -> list[tuple[int, Act]]:
    """Parse every item, collecting every bad one: BatchRejected names them all, or the acts come back."""
    acts: list[tuple[int, Act]] = []
    errors: list[ActError] = []
    for where, item in items:
        try:
            acts.append((where, parse_act(item, where)))
        except ActError as e:
            errors.append(e)
    if errors:
        raise BatchRejected(errors)
    return acts


PART = 5000  # acts a file import checks and stores at a time


def parts_of(lines: Iterable[bytes], size: int | None = None) -> Iterator[Part]:
    """The acts of JSON Lines in parts of about `size` lines (numbered from 1, blank lines skipped, id-less
    acts given ids from their content). A line that is not an act is a fault of its part, with what it
    would have defined (its claims), and the reading goes on: the store checks every other line against
    the ledger, so one run names every bad line of the file."""
    size = size or PART
    seen: Counter[bytes] = Counter()
    acts: list[tuple[int, Act]] = []
    faults: list[ActError] = []
    claims: dict[tuple[str, str], int] = {}
    for number, line in enumerate(lines, start=1):
        if not line or line.isspace():
            continue
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")  # the byte-order mark some editors begin UTF-8 with
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            faults.append(ActError(number, None, not_json(line, e)))
        else:
            try:
                act = parse_act(raw, number)
            except ActError as e:
                faults.append(e)
                if isinstance(raw, dict):
                    for key in defined_by(raw.get("type"), raw.get("id"), raw):
                        claims.setdefault(key, number)
            else:
                acts.append((number, act if act.id_given else with_file_id(act, seen)))
        if len(acts) + len(faults) >= size:
            yield Part(acts, faults, claims)
            acts, faults, claims = [], [], {}
    if acts or faults:
        yield Part(acts, faults, claims)


def not_json(line: bytes, error: orjson.JSONDecodeError) -> str:
    """Why a line is not JSON, saying so when its text is not UTF-8 (JSON Lines must be)."""
    try:
        line.decode()
    except UnicodeDecodeError:
        return "不是 UTF-8 文本：JSON Lines 须为 UTF-8 编码，请另存为 UTF-8 (not UTF-8 text)"
    return f"不是有效的 JSON：{error} (not valid JSON)"


IMPORTED = uuid.UUID("1b0e9f3c-7d5a-5e8b-a2c4-6f3d2e1a0b9c")


def with_file_ids(acts: list[tuple[int, Act]]) -> list[tuple[int, Act]]:
    """Give a file's id-less acts ids derived from their content (and, for identical acts, their order),
    so that importing the same file again finds them stored and changes nothing."""
    seen: Counter[bytes] = Counter()
    return [(where, act if act.id_given else with_file_id(act, seen)) for where, act in acts]


def with_file_id(act: Act, seen: Counter[bytes]) -> Act:
    """An id-less act of a file with its id from its content and how many identical acts came before it
    in the file (`seen`, which this counts in)."""
    content = act.content()
    seen[content] += 1
    derived = uuid.uuid5(IMPORTED, f"{hashlib.sha256(content).hexdigest()}#{seen[content]}")
    return act._replace(id=str(derived))


def scored(
    selection: Selection,
    period: str,
    as_of: str | None,
    acts: Iterable[StoredAct],
    known_at: str,
    unit: str | None = None,
) -> tuple[dict[str, Any], Facts]:
    """The score document of acts (in position order, cut at `known_at`) and the facts it was made from."""
    span = parse_period(period)
    day = parse_day(as_of, "as_of") if as_of else span.end
    with paused_collection():
        facts = gather(acts, day)
        if unit is not None and unit not in facts.units:
            judged = min(span.end, day)
            days = {slug: u.registered_on for slug, u in facts.units.items()}
            if not any(registered_on <= judged for registered_on in days.values()):
                raise NoUnits(judged)
            raise UnitNotRegistered(unit, judged, days)
        return board_json(score(facts, selection, span, day), known_at, unit), facts


def counted(acts: Iterator[StoredAct], progress: Callable[[int], None] | None) -> Iterator[StoredAct]:
    """The acts, telling `progress` every 10,000 of them."""
    if progress is None:
        yield from acts
        return
    done = 0
    for done, act in enumerate(acts, start=1):
        if done % 10_000 == 0:
            progress(done)
        yield act
    progress(done)


def selection_of(catalogue: Catalogue, name: str) -> Selection:
    if name.endswith(".toml") or os.sep in name:
        return Selection((load_rulebook(Path(name)),), pinned=True)
    return catalogue.select(name)
