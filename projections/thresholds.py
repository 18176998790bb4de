"""Marks judged per cadence period: points for filing or adoption thresholds, the periods with no report
filed (and runs of them), and stipends paid per point above a class's mark."""

from __future__ import annotations

from ledger import terms
from ledger.acts import StoredAct
from ledger.periods import Period
from ledger.rulebooks import NoFiling, Stipend, Threshold
from projections.context import ScoringContext
from projections.lines import ZERO, UnitScore


def thresholds(sc: ScoringContext) -> None:
    for span, judged, book in sc.period_books():
        for clause in book.model.clauses:
            if not isinstance(clause, Threshold):
                continue
            for s in sc.scores.values():
                if s.unit.registered_on > judged:
                    continue
                if clause.classes is not None and s.unit.class_on(judged) not in clause.classes:
                    continue
                counted = _counted(sc, clause, s, span)
                met = len(counted) >= clause.at_least
                verb = "报送" if clause.measure == "filed" else "采用"
                detail = f"{verb}{len(counted)}条（至少{clause.at_least}条）：{'达标' if met else '未达标'}"
                points = clause.points if met else ZERO
                s.add(clause, book, span.label, detail, points, [a.id for a in counted])


def _counted(sc: ScoringContext, clause: Threshold, s: UnitScore, span: Period) -> list[StoredAct]:
    if clause.measure == "filed":
        return sc.filed(s.unit.unit, span)
    out = []
    for act in sc.facts.by_type.get("report.adopted", ()):
        f = act.fields
        if not span.contains(act.occurred_on):
            continue
        if clause.publications is not None and f["publication"] not in clause.publications:
            continue
        filing = sc.facts.reports.get(f["report"])
        credited = f["units"] if f["form"] == "combined" else ([filing.unit] if filing else [])
        if s.unit.unit in credited:
            out.append(act)
    return out


def silences(sc: ScoringContext) -> None:
    """Cadence periods with no report filed, judged once they have ended, from the unit's first whole
    period on; runs of them reach back before the scored period, as far as the rulebook was in effect."""
    if not any(isinstance(c, NoFiling) for b in sc.selection.versions for c in b.model.clauses):
        return
    judged_book = sc.book_on(sc.judged_on)
    for s in sc.scores.values():
        for rule in judged_book.model.clauses if judged_book else ():
            if isinstance(rule, NoFiling):
                s.flags[rule.flag] = False
                s.flags["criticized"] = False
        run = 0
        for span, in_period in _history(sc, s) + [(p, True) for p in sc.periods]:
            if span.end > sc.as_of or span.start < s.unit.registered_on:
                continue
            book = sc.book_on(span.end) if in_period else sc.selection.for_day(span.end)
            clause = next((c for c in book.model.clauses if isinstance(c, NoFiling)), None) if book else None
            if clause is None or book is None or sc.filed(s.unit.unit, span):
                run = 0
                continue
            run += 1
            if not in_period:
                continue
            detail = f"{span.label} 未报送信息：通报批评，并作书面说明"
            if run >= clause.run:
                detail += f"；连续{run}期未报送：{terms.flag(clause.flag)}"
                s.flags[clause.flag] = True
            s.add(clause, book, span.label, detail, clause.points, [])
            s.flags["criticized"] = True
            s.criticisms += 1
        if any(li.clause.kind == "criticism" and li.events for li in s.lines.values()):  # type: ignore[attr-defined]
            s.flags["criticized"] = True


def _history(sc: ScoringContext, s: UnitScore) -> list[tuple[Period, bool]]:
    first = sc.period.split(sc.cadence)[0]
    history: list[tuple[Period, bool]] = []
    back = first.previous(sc.cadence)
    while back.start >= s.unit.registered_on and sc.selection.for_day(back.end) is not None:
        history.insert(0, (back, False))
        back = back.previous(sc.cadence)
    return history


def stipends(sc: ScoringContext) -> None:
    """Per cadence period, a unit whose points reach its class's mark earns `per_point` yuan a point."""
    for span, judged, book in sc.period_books():
        for clause in book.model.clauses:
            if not isinstance(clause, Stipend):
                continue
            for s in sc.scores.values():
                s.metrics.setdefault(clause.metric, ZERO)
                mark = clause.at_least.get(s.unit.class_on(judged) or "")
                if s.unit.registered_on > judged or mark is None:
                    continue
                points = s.period_total(span.label)
                if points >= mark:
                    s.metrics[clause.metric] += points * clause.per_point
