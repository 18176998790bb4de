"""A stateful property: whatever history is appended, the score projection answers exactly as a replay.

Hypothesis drives a ledger on SQLite and on PostgreSQL through random histories: registrations (some in
mid-period), reclassifications, filings and re-filings, adoptions of every form (combined ones crediting
other units), endorsements, excellence marks, late notices, missed commissions, criticisms, tasks and
their completions, posts, violations, merits, exemptions, and voids of any act, each dated anywhere in
the window (so most acts are backdated against some other). After every step, for every shipped
rulebook, the projection kept step by step and one rebuilt from position 0 both hold, for every
standard period, exactly the rows and the answer of a full replay as known at the same position.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ledger.acts import StoredAct
from ledger.errors import BatchRejected
from ledger.periods import parse_period
from ledger.projection_worker import ProjectionWorker
from ledger.projector import Backlog, Projector, answer, standard_periods
from ledger.render import board_json
from ledger.rulebooks import Catalogue, Item, Veto
from ledger.services import Ledger
from ledger.store import open_store
from ledger.store.scores import ScoreTables
from projections.facts import gather
from projections.scoring import score
from tests.conftest import POSTGRES_URL, _drop_schema, _postgres_url
from tests.projected import stored_rows

CATALOGUE = Catalogue.load()
# Every shipped rulebook; xiuwen-open takes effect in 2021, so its one version is pinned to the window.
RULEBOOKS = [
    "yinchuan-2018", "district-info", "county-info", "yingdong-2012", "ningde-2018", "xiuwen-open@1",
    "hengyang-2018", "luohu-open",
]  # fmt: skip
BOOKS = [b for name in RULEBOOKS for b in CATALOGUE.select(name).versions]
CLASSES = sorted({cls for b in BOOKS for cls in b.model.classes})
PUBLICATIONS = sorted(CATALOGUE.publications())
ITEMS = sorted({c.id for b in BOOKS for c in b.model.clauses if isinstance(c, Item | Veto)})
UNITS = ["u1", "u2", "u3", "u4"]
REPORTS = ["R1", "R2", "R3", "R4", "R5"]
FIRST, DAYS = dt.date(2018, 10, 1), 183  # 2018-10-01 .. 2019-04-01: a year end and a half year end
LAST = FIRST + dt.timedelta(days=DAYS - 1)
EXAMPLES = int(os.environ.get("LEDGER_PROPERTY_EXAMPLES", "12"))
STEPS = int(os.environ.get("LEDGER_PROPERTY_STEPS", "16"))

days = st.integers(0, DAYS - 1).map(lambda n: (FIRST + dt.timedelta(days=n)).isoformat())
units = st.sampled_from(UNITS)


class ProjectionEqualsReplay(RuleBasedStateMachine):
    url = ""  # set per backend by the test

    def __init__(self) -> None:
        super().__init__()
        self.made = f"{self.url}?schema=t_{uuid.uuid4().hex[:12]}" if self.url.startswith("postgres") else ""
        url = self.made or f"sqlite:///{Path(self.tmp) / uuid.uuid4().hex}.db"
        self.ledger = Ledger(open_store(url, CATALOGUE.publications(), CATALOGUE.items()), CATALOGUE)
        self.worker = ProjectionWorker(self.ledger.store, CATALOGUE, RULEBOOKS, exclusive=False)
        self.ids: list[tuple[str, str]] = []  # (act id, type) of every stored act
        self.voided: set[str] = set()
        self.tasks: list[str] = []
        self.serial = 0

    tmp = ""

    def teardown(self) -> None:
        self.worker.close()
        self.ledger.close()
        if self.made:
            base, schema = self.made.split("?schema=")
            _drop_schema(base, schema)

    # --- appending --------------------------------------------------------------------------

    def append(self, *acts: dict[str, Any]) -> None:
        """Append a batch; a batch the ledger refuses (an unknown report, a unit not yet registered...)
        must leave the store as it was."""
        batch = []
        for act in acts:
            self.serial += 1
            batch.append({"id": f"a{self.serial}", **act})
        head = self.ledger.store.head()
        try:
            self.ledger.append(batch)
        except BatchRejected:
            assert self.ledger.store.head() == head
            return
        for act in batch:
            self.ids.append((act["id"], act["type"]))
            if act["type"] == "event.voided":
                self.voided.add(act["target"])
            if act["type"] == "task.assigned":
                self.tasks.append(act["task"])

    @initialize(
        classes=st.lists(st.sampled_from(CLASSES), min_size=3, max_size=3),
        filed_on=st.lists(days, min_size=3, max_size=3),
    )
    def register(self, classes: list[str], filed_on: list[str]) -> None:
        """Three units, each with a report filed."""
        self.append(
            *(
                {"type": "unit.registered", "occurred_on": "2018-09-01", "unit": u, "name": f"单位{u}",
                 "class": cls}
                for u, cls in zip(UNITS, classes, strict=False)
            ),
            *(
                {"type": "report.filed", "occurred_on": day, "unit": u, "report": f"{u}-0", "title": "信息"}
                for u, day in zip(UNITS, filed_on, strict=False)
            ),
        )  # fmt: skip

    @rule(day=days, cls=st.sampled_from(CLASSES))
    def register_mid_period(self, day: str, cls: str) -> None:
        self.append(
            {"type": "unit.registered", "occurred_on": day, "unit": "u4", "name": "新单位", "class": cls}
        )

    @rule(unit=units, day=days, cls=st.sampled_from(CLASSES))
    def reclassify(self, unit: str, day: str, cls: str) -> None:
        self.append({"type": "unit.reclassified", "occurred_on": day, "unit": unit, "class": cls})

    @rule(unit=units, report=st.sampled_from(REPORTS), day=days)
    def file(self, unit: str, report: str, day: str) -> None:
        self.append(
            {"type": "report.filed", "occurred_on": day, "unit": unit, "report": report, "title": "信息"}
        )

    def filed(self, data: st.DataObject, after: int) -> tuple[str, str]:
        """A report filed now (the index's effective filings) and a day on or after its filing."""
        filings = self.ledger.store.index.reports
        report = data.draw(st.sampled_from(sorted(filings)))
        day = min(filings[report].filed_on + dt.timedelta(days=after), LAST)
        return report, day.isoformat()

    @precondition(lambda self: self.ledger.store.index.reports)
    @rule(
        data=st.data(),
        after=st.integers(0, 100),
        publication=st.sampled_from(PUBLICATIONS),
        form=st.sampled_from(["item", "brief", "research", "combined"]),
        credited=st.lists(units, min_size=1, max_size=3, unique=True),
    )
    def adopt(
        self, data: st.DataObject, after: int, publication: str, form: str, credited: list[str]
    ) -> None:
        report, day = self.filed(data, after)
        act = {"type": "report.adopted", "occurred_on": day, "report": report, "publication": publication,
               "form": form}  # fmt: skip
        self.append({**act, "units": credited} if form == "combined" else act)

    @precondition(lambda self: self.ledger.store.index.reports)
    @rule(data=st.data(), after=st.integers(0, 100), publication=st.sampled_from(PUBLICATIONS))
    def adopt_again(self, data: st.DataObject, after: int, publication: str) -> None:
        """Adoptions are drawn twice as often as other acts (a report is often taken more than once)."""
        report, day = self.filed(data, after)
        self.append({"type": "report.adopted", "occurred_on": day, "report": report,
                     "publication": publication, "form": "item"})  # fmt: skip

    @precondition(lambda self: self.ledger.store.index.reports)
    @rule(data=st.data(), after=st.integers(0, 100), level=st.sampled_from(["national", "province", "city"]))
    def endorse(self, data: st.DataObject, after: int, level: str) -> None:
        report, day = self.filed(data, after)
        self.append({"type": "endorsement.received", "occurred_on": day, "report": report, "level": level})

    @precondition(lambda self: self.ledger.store.index.reports)
    @rule(data=st.data(), after=st.integers(0, 100))
    def mark_excellent(self, data: st.DataObject, after: int) -> None:
        report, day = self.filed(data, after)
        self.append({"type": "report.excellent", "occurred_on": day, "report": report})

    @rule(unit=units, day=days, kind=st.sampled_from(["late", "commission", "criticism", "post"]))
    def notice(self, unit: str, day: str, kind: str) -> None:
        acts = {
            "late": {"type": "late_report.notified", "notifier": "city", "severity": "late"},
            "commission": {"type": "commission.missed"},
            "criticism": {"type": "criticism.notified", "notifier": "city"},
            "post": {"type": "post.published", "title": "动态"},
        }
        self.append({**acts[kind], "occurred_on": day, "unit": unit})

    @rule(unit=units, day=days, item=st.sampled_from(ITEMS), late=st.integers(0, 60), required=st.booleans())
    def assign(self, unit: str, day: str, item: str, late: int, required: bool) -> None:
        due = (dt.date.fromisoformat(day) + dt.timedelta(days=late)).isoformat()
        act = {"type": "task.assigned", "occurred_on": day, "unit": unit, "task": f"T{self.serial}",
               "item": item, "title": "任务", "points": 4, "due_on": due}  # fmt: skip
        self.append({**act, "required": 10} if required else act)

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), after=st.integers(0, 90), amount=st.integers(1, 12))
    def complete(self, data: st.DataObject, after: int, amount: int) -> None:
        task = data.draw(st.sampled_from(self.tasks))
        assigned = next(
            a for a in self.ledger.store.read(types=["task.assigned"]) if a.fields["task"] == task
        )
        day = min(assigned.occurred_on + dt.timedelta(days=after), LAST)
        act = {"type": "task.completed", "occurred_on": day.isoformat(), "task": task}
        self.append({**act, "amount": amount} if "required" in assigned.fields else act)

    @rule(unit=units, day=days, item=st.sampled_from(ITEMS), kind=st.sampled_from(["violation", "merit"]),
          points=st.sampled_from([None, 1, 2.5]))  # fmt: skip
    def find(self, unit: str, day: str, item: str, kind: str, points: float | None) -> None:
        act: dict[str, Any] = {"type": f"{kind}.recorded", "occurred_on": day, "unit": unit, "item": item}
        self.append({**act, "points": points} if points is not None else act)

    @rule(unit=units, day=days, item=st.sampled_from(ITEMS))
    def exempt(self, unit: str, day: str, item: str) -> None:
        self.append({"type": "item.exempted", "occurred_on": day, "unit": unit, "item": item, "reason": "无"})

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), day=days)
    def void(self, data: st.DataObject, day: str) -> None:
        """Void any stored act (a void of a void, or of a voided act, is refused: the store stays)."""
        target, _ = data.draw(st.sampled_from(self.ids))
        self.append({"type": "event.voided", "occurred_on": day, "target": target, "reason": "登记有误"})

    # --- the property -----------------------------------------------------------------------

    @invariant()
    def projection_equals_replay(self) -> None:
        store = self.ledger.store
        self.worker.step()
        tables = ScoreTables(store)
        rebuilt = Projector(store, CATALOGUE, RULEBOOKS)
        backlogs = {name: Backlog(0) for name in RULEBOOKS}
        rebuilt.catch_up(backlogs)
        acts = list(store.read(chain=False))
        known_at = acts[-1].recorded_at if acts else ""
        gathered: dict[dt.date, Any] = {}
        for name in RULEBOOKS:
            selection = CATALOGUE.select(name)
            stored = stored_rows(store, name)
            made = rebuilt.rescore(name, backlogs[name].touched)
            assert stored == {key: row for key, row in made.scores.items() if row is not None}, name
            cadence = selection.latest.model.cadence
            for year in (2018, 2019):
                for period in standard_periods(year, cadence):
                    if period.end not in gathered:
                        gathered[period.end] = gather(acts, period.end)
                    facts = gathered[period.end]
                    replay = board_json(score(facts, selection, period, period.end), known_at)
                    self.check_accounting(replay, acts)
                    rows = tables.period(name, period.label, None)
                    projected = answer(rows, period) if rows is not None else None
                    if projected is None:  # a period the projection does not hold is replayed
                        continue
                    assert projected == replay, (name, period.label)
                    assert rows is not None
                    main, used = made.periods[period.label]  # the rebuilt projection's period row
                    assert (rows.main, sorted(rows.used, key=str)) == (main, sorted(used.values(), key=str))

    def check_accounting(self, document: dict[str, Any], acts: list[StoredAct]) -> None:
        """Every act of a unit's period is counted by a line or listed as not counted, never both."""
        period = parse_period(document["period"])
        owners: dict[str, str] = {}
        tasks: dict[str, str] = {}
        belongs: dict[str, set[str]] = {}  # act id -> the units whose account holds it
        for act in acts:
            f = act.fields
            if act.type == "report.filed":
                owners.setdefault(f["report"], f["unit"])
            if act.type == "task.assigned":
                tasks.setdefault(f["task"], f["unit"])
            if act.type == "event.voided" or not period.contains(act.occurred_on):
                continue
            if "unit" in f:
                belongs[act.id] = {f["unit"]}
            elif "report" in f:
                belongs[act.id] = {owners[f["report"]], *f.get("units", ())}
            elif "task" in f:
                belongs[act.id] = {tasks[f["task"]]}
        for unit in document["units"]:
            counted = {act for line in unit["lines"] for act in line["events"]}
            listed = [nc["act"] for nc in unit["not_counted"]]
            assert len(listed) == len(set(listed)) and not counted & set(listed), unit["unit"]
            days = [dt.date.fromisoformat(nc["occurred_on"]) for nc in unit["not_counted"]]
            assert all(period.contains(day) for day in days)
            mine = {act for act, units in belongs.items() if unit["unit"] in units}
            assert mine <= counted | set(listed), (unit["unit"], mine - counted - set(listed))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_projection_equals_the_replay_on_any_history(backend: str, tmp_path: Path) -> None:
    """On random histories of every kind of act, after every step and for every shipped rulebook and
    standard period, the projection (kept step by step, and rebuilt from 0) answers as the replay."""
    machine = type("Machine", (ProjectionEqualsReplay,), {"tmp": str(tmp_path)})
    machine.url = _postgres_url() if backend == "postgres" else ""
    assert backend == "sqlite" or POSTGRES_URL
    machine.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine.TestCase().runTest()
