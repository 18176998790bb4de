"""Why a result is empty, said in Chinese with a short English label: the ledger holds no acts, none was
recorded by the known-at time, no unit was registered by the day judged, or no act matches a filter.
Asked only once a result has come out empty, so none of this is on the way of a result that is not."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence

from ledger.errors import LedgerError
from ledger.store import Store
from projections.facts import gather

EMPTY = "账本是空的：还没有记录任何行为，可用 ledger import 导入 (the ledger is empty)"
NOTHING_TO = "账本是空的：没有可{}的行为 (the ledger is empty: nothing to {})"  # verify, export


class NoUnits(LedgerError):
    """A unit was asked for where no unit at all is registered by the day judged."""

    def __init__(self, judged: dt.date) -> None:
        self.judged = judged
        super().__init__(no_units_by(judged))


class UnitNotRegistered(LedgerError):
    """A unit was asked for that is not registered by the day judged (others are)."""

    def __init__(self, unit: str, judged: dt.date, units: dict[str, dt.date]) -> None:
        self.unit, self.judged = unit, judged
        super().__init__(unit_not_registered(unit, judged, units))


def no_units_by(judged: dt.date) -> str:
    return f"截至 {judged} 没有登记的单位 (no units registered by {judged})"


def nothing_recorded(store: Store, cut: str | None) -> str | None:
    """Why nothing can be found when the ledger holds no act, or none recorded by `cut`; else None."""
    first = next(store.read(batch=1, chain=False), None)
    if first is None:
        return EMPTY
    if cut is not None and first.recorded_at > cut:
        by, first_at = seconds(cut), seconds(first.recorded_at)
        return (
            f"截至 {by} 没有记录的行为：首个行为记录于 {first_at}"
            f" (no acts recorded by {by}; first at {first_at})"
        )
    return None


def seconds(instant: str) -> str:
    """A recorded time as people read it: to the second (`2019-10-05T15:59:59Z`)."""
    return instant.split(".", 1)[0] + "Z" if "." in instant else instant


def registered(store: Store, cut: str | None) -> dict[str, dt.date]:
    """Every unit registered as known at `cut` (voids applied), with the day it was registered."""
    kinds = ["unit.registered", "unit.reclassified", "event.voided"]
    facts = gather(store.read(types=kinds, known_at=cut, chain=False), dt.date.max)
    return {slug: unit.registered_on for slug, unit in facts.units.items()}


def no_units(store: Store, judged: dt.date, cut: str) -> str:
    """Why a score as known at `cut` has no unit on the day `judged`."""
    said = nothing_recorded(store, cut)
    if said is not None:
        return said
    days = registered(store, cut)
    if not days:
        return f"{no_units_by(judged)}：账本中还没有单位登记（unit.registered）行为"
    return f"{no_units_by(judged)}：最早的单位登记于 {min(days.values())}"


def unit_not_registered(unit: str, judged: dt.date, units: dict[str, dt.date]) -> str:
    """A unit asked for that is not registered by the day judged: registered later, or unknown (with
    the slugs closest to it)."""
    said = f"单位 {unit!r} 截至 {judged} 未登记 (unit {unit!r} is not registered as of {judged})"
    if unit in units:
        return f"{said}：它登记于 {units[unit]}"
    return said + closest(unit, units)


def closest(name: str, names: Iterable[str]) -> str:
    near = difflib.get_close_matches(name, list(names), n=3)
    return f"；最接近的：{'、'.join(near)}" if near else ""


def no_events(
    store: Store,
    *,
    unit: str | None,
    report: str | None,
    types: Sequence[str],
    occurred: tuple[dt.date | None, dt.date | None],
    recorded_from: str | None,
    cut: str | None,
) -> str:
    """Why `events` found nothing: the ledger, the known-at time, or the filters that matched nothing
    (a unit not registered or a report never filed said so)."""
    said = nothing_recorded(store, cut)
    if said is not None:
        return said
    asked: list[tuple[str, str]] = []
    if unit:
        asked.append((f"单位 {unit}", f"unit {unit}"))
    if report:
        asked.append((f"信息 {report}", f"report {report}"))
    if types:
        asked.append((f"类型 {'、'.join(types)}", f"type {', '.join(types)}"))
    low, high = occurred
    if low or high:
        span = f"{low or '…'} 至 {high or '…'}"
        asked.append((f"发生于 {span}", f"occurred {low or '…'} to {high or '…'}"))
    if recorded_from:
        asked.append((f"记录于 {seconds(recorded_from)} 之后", f"recorded from {seconds(recorded_from)}"))
    if cut:
        asked.append((f"记录于 {seconds(cut)} 之前", f"recorded by {seconds(cut)}"))
    said = (
        f"没有符合条件的行为：{'，'.join(c for c, _ in asked)}"
        f" (no acts match {'; '.join(e for _, e in asked)})"
    )
    if unit:
        units = registered(store, cut)
        if unit not in units:
            said += f"；单位 {unit!r} 未登记{closest(unit, units)}"
    filings = store.read(types=["report.filed"], known_at=cut, chain=False) if report else iter(())
    if report and not any(a.fields["report"] == report for a in filings):
        said += f"；信息 {report!r} 从未报送"
    return said
