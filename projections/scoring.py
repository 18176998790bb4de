"""Scores: the facts of a period folded through a rulebook's clauses into explained lines per unit.

Every point is a `Line`: the clause (its id and the seed's wording), the rulebook version that holds it,
the cadence period it falls in, the points, and the ids of the acts behind it. A unit's total is the sum
of its lines; metrics (yuan rewards, performance adjustments, deductions) and flags sit beside the total.
An act is scored by the version in effect on the day it happened (or by the pinned version); a period
clause (a quota) by the version in effect on the period's last day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from ledger import terms
from ledger.acts import StoredAct
from ledger.periods import Period
from ledger.rulebooks import (
    Adoption,
    Deductions,
    Endorsement,
    FilingQuota,
    LateNotice,
    PerAct,
    PerformanceAdjustment,
    QuotaCriticism,
    Reward,
    Rulebook,
    Selection,
    lookup_level,
)
from projections.accounting import account
from projections.context import ScoringContext
from projections.facts import Facts
from projections.items import bound_periods, score_items
from projections.lines import ZERO, Line, UnitScore, class_name, fmt
from projections.outcomes import outcomes, rank_order
from projections.thresholds import silences, stipends, thresholds

__all__ = ["Board", "Line", "Scorer", "UnitScore", "score"]


@dataclass
class Board:
    period: Period
    as_of: dt.date
    selection: Selection
    used: list[Rulebook]
    units: list[UnitScore]


def score(
    facts: Facts, selection: Selection, period: Period, as_of: dt.date, only: str | None = None
) -> Board:
    """The units of the facts scored; `only`: that unit alone (the others' registrations then only name
    them in its explanations)."""
    return Scorer(facts, selection, period, as_of, only).run()


class Scorer(ScoringContext):
    """The clauses of a rulebook run over a period's facts, in the order the regulations apply them."""

    def run(self) -> Board:
        for cadence_period, _, book in self.period_books():
            for clause in self.clauses(book, FilingQuota):
                self.quota(clause, book, cadence_period)  # type: ignore[arg-type]
        self.quota_criticisms()
        self.adoptions()
        self.endorsements()
        self.per_act()
        self.late_notices()
        thresholds(self)
        silences(self)
        score_items(self)
        bound_periods(self)
        self.year_end()
        stipends(self)
        outcomes(self)
        account(self.facts, self.selection, self.period, self.as_of, self.scores)
        ranked = sorted(self.scores.values(), key=rank_order)
        return Board(self.period, self.as_of, self.selection, self.versions_in_effect(), ranked)

    def versions_in_effect(self) -> list[Rulebook]:
        """The versions that judge the period: those in effect on some day of it, up to the as-of date.
        Every line names one of them; which they are depends on the period alone, not on its acts."""
        if self.selection.pinned:
            return list(self.selection.versions)
        start, end = self.period.start, self.judged_on
        if end < start:
            return []
        return [b for b in self.selection.versions if b.in_effect_within(start, end)]

    def quota(self, clause: FilingQuota, book: Rulebook, span: Period) -> None:
        for s in self.scores.values():
            if s.unit.registered_on > min(span.end, self.as_of):
                continue
            status = self.quota_status(book, s.unit, span)
            if status is None:
                cls = s.unit.class_on(min(span.end, self.as_of))
                detail = f"{class_name(book, cls)} 在 {book.ref} 中未设报送任务数"
                s.add(clause, book, span.label, detail, ZERO, [])
                continue
            met, count, quota, filings = status
            detail = f"报送{count}条，任务数{quota}条：{'完成' if met else '未完成'}"
            points = clause.met if met else clause.missed
            s.add(clause, book, span.label, detail, points, [a.id for a in filings])

    def quota_criticisms(self) -> None:
        """Runs of consecutive cadence periods below quota, judged from the unit's registration on."""
        if not self.periods or not any(
            isinstance(c, QuotaCriticism) for b in self.selection.versions for c in b.model.clauses
        ):
            return  # nothing of the period judged yet, or no version criticises runs below quota
        for s in self.scores.values():
            run: list[Period] = []
            span = self.period.split(self.cadence)[0]
            # Walk back to where the run that reaches into this period could have begun.
            history: list[Period] = []
            back = span.previous(self.cadence)
            while back.end >= s.unit.registered_on and self.selection.for_day(back.end) is not None:
                history.insert(0, back)
                back = back.previous(self.cadence)
            for span in history + self.periods:
                if span.end > self.as_of or span.end < s.unit.registered_on:
                    continue
                book = self.book_on(span.end)
                if book is None:
                    continue
                clauses = list(self.clauses(book, QuotaCriticism))
                status = self.quota_status(book, s.unit, span)
                if not clauses or status is None or status[0]:
                    run = []
                    continue
                run.append(span)
                clause = clauses[0]
                assert isinstance(clause, QuotaCriticism)
                if len(run) >= clause.run:
                    if self.period.contains(span.end):
                        filings = [a.id for p in run for a in self.filed(s.unit.unit, p)]
                        labels = "、".join(p.label for p in run)
                        detail = f"{labels} 连续未完成报送任务：通报批评"
                        s.add(clause, book, span.label, detail, clause.points, filings)
                        s.criticisms += 1
                    run = []

    def adoptions(self) -> None:
        for report, history in self.facts.adoptions_of.items():
            best: dict[str, Decimal] = defaultdict(lambda: ZERO)
            for act in history:
                book = self.book_on(act.occurred_on) if act.occurred_on <= self.as_of else None
                if book is None:
                    continue
                counted = self.period.contains(act.occurred_on)
                for clause in self.clauses(book, Adoption):
                    assert isinstance(clause, Adoption)
                    self.adoption(clause, book, act, report, best, counted)

    def adoption(
        self,
        clause: Adoption,
        book: Rulebook,
        act: StoredAct,
        report: str,
        best: dict[str, Decimal],
        counted: bool,
    ) -> None:
        f = act.fields
        publication = book.model.publications.get(f["publication"])
        combined = f["form"] == "combined"
        filing = self.facts.reports.get(report)
        units = f["units"] if combined else ([filing.unit] if filing else [])
        if combined and clause.combined_points is not None:
            points: Decimal | None = clause.combined_points
        else:
            points = publication.points_for(f["form"]) if publication else None
        name = publication.name if publication else f["publication"]
        for unit in units:
            s = self.scores.get(unit)
            if points is None:
                if counted and s:
                    detail = f"{name} 不是 {book.ref} 所列刊物：不计分"
                    s.add(clause, book, self.cadence_label(act.occurred_on), detail, ZERO, [act.id])
                continue
            earned = points
            detail = f"{name}采用（{terms.form(f['form'])}）"
            if clause.credit == "highest":
                earned = max(ZERO, points - best[unit])
                if best[unit] > ZERO:
                    detail += f"，此前采用已计{fmt(best[unit])}分，按最高分只计差额"
                superseded = best[unit] >= points > ZERO
                best[unit] = max(best[unit], points)
                if superseded and counted and s:
                    words = f"{name}采用（{terms.form(f['form'])}）记 {fmt(points)} 分"
                    earlier = f"不高于此前的采用（{fmt(best[unit])} 分）：重复采用只记最高分"
                    s.pass_over(act.id, "superseded", f"{words}，{earlier}")
                    s.credited_adoptions += 1
                    continue
            if counted and s:
                s.add(clause, book, self.cadence_label(act.occurred_on), detail, earned, [act.id])
                s.credited_adoptions += 1

    def endorsements(self) -> None:
        for act, book in self.acts("endorsement.received"):
            report, level = act.fields["report"], act.fields["level"]
            for clause in self.clauses(book, Endorsement):
                assert isinstance(clause, Endorsement)
                label = self.cadence_label(act.occurred_on)
                if clause.points is not None:
                    points = lookup_level(clause.points, level)
                    unscored = "" if points is not None else "：该级别不计分"
                    detail = f"{terms.level(level)}领导批示{unscored}"
                    events = [act.id]
                else:
                    points, detail, events = self.multiple_of_adoption(clause, book, act)
                for unit in self.facts.credited_units(report, act.occurred_on):
                    if unit in self.scores:
                        self.scores[unit].add(clause, book, label, detail, points or ZERO, events)

    def multiple_of_adoption(
        self, clause: Endorsement, book: Rulebook, act: StoredAct
    ) -> tuple[Decimal, str, list[str]]:
        level = act.fields["level"]
        leader = f"{terms.level(level)}领导批示"
        canonical = {"region": "province"}.get(level, level)
        best: tuple[Decimal, StoredAct] | None = None
        for adoption in self.facts.adoptions_of.get(act.fields["report"], ()):
            if adoption.occurred_on > act.occurred_on:
                continue
            publication = book.model.publications.get(adoption.fields["publication"])
            if publication is None:
                continue
            if {"region": "province"}.get(publication.level, publication.level) != canonical:
                continue
            points = publication.points_for(adoption.fields["form"])
            if points is not None and (best is None or points > best[0]):
                best = (points, adoption)
        assert clause.adoption_multiple is not None
        if best is None:
            return ZERO, f"{leader}：无同级采用可按倍数计分（提示）", [act.id]
        detail = f"{leader}：同级采用{fmt(best[0])}分 × {fmt(clause.adoption_multiple)}倍"
        return clause.adoption_multiple * best[0], detail, [act.id, best[1].id]

    def per_act(self) -> None:
        kinds = {
            "report.excellent": "excellent",
            "commission.missed": "commission_missed",
            "criticism.notified": "criticism",
        }
        for act_type, kind in kinds.items():
            for act, book in self.acts(act_type):
                units = (
                    self.facts.credited_units(act.fields["report"], act.occurred_on)
                    if "report" in act.fields
                    else [act.fields["unit"]]
                )
                for clause in self.clauses(book, PerAct):
                    assert isinstance(clause, PerAct)
                    if clause.kind != kind:
                        continue
                    for unit in units:
                        s = self.scores.get(unit)
                        if s is None:
                            continue
                        label = self.cadence_label(act.occurred_on)
                        detail = terms.act_name(act_type)
                        s.add(clause, book, label, detail, clause.points, [act.id])
                if kind == "criticism" and act.fields["unit"] in self.scores:
                    self.scores[act.fields["unit"]].criticisms += 1

    def late_notices(self) -> None:
        for act, book in self.acts("late_report.notified"):
            s = self.scores.get(act.fields["unit"])
            if s is None:
                continue
            notifier, severity = act.fields["notifier"], act.fields["severity"]
            for clause in self.clauses(book, LateNotice):
                assert isinstance(clause, LateNotice)
                table = lookup_level(clause.points, notifier)  # type: ignore[arg-type]
                points = table.get(severity) if isinstance(table, dict) else None
                detail = f"{terms.severity(severity)}，{terms.level(notifier)}通报"
                if points is None:
                    detail += "：不计分"
                label = self.cadence_label(act.occurred_on)
                s.add(clause, book, label, detail, points or ZERO, [act.id])

    def year_end(self) -> None:
        """Metrics and flags over the whole period, by the version in effect at its end."""
        book = self.book_on(self.judged_on)
        if book is None:
            return
        for clause in book.model.clauses:
            for s in self.scores.values():
                if isinstance(clause, PerformanceAdjustment):
                    value = clause.per_criticism * s.criticisms
                    if self.period.months == 12 and s.credited_adoptions == 0:
                        value += clause.zero_adoption_year
                    s.metrics[clause.metric] = value
                elif isinstance(clause, Reward):
                    s.metrics[clause.metric] = self.reward(clause, s)
                elif isinstance(clause, Deductions):
                    deductions = -sum((li.points for li in s.lines.values() if li.points < 0), ZERO)
                    s.metrics[clause.metric] = deductions
                    s.flags["eligible_for_award"] = deductions < clause.ineligible_at
                    s.flags["criticized"] = deductions >= clause.criticized_at or any(
                        li.clause.kind == "criticism" and li.events  # type: ignore[attr-defined]
                        for li in s.lines.values()
                    )

    def reward(self, clause: Reward, s: UnitScore) -> Decimal:
        total = ZERO
        for act, book in self.acts("report.adopted"):
            if act.fields["form"] == "combined":
                continue  # 综合多个单位的信息: points to each unit, and no reward
            filing = self.facts.reports.get(act.fields["report"])
            if filing is None or filing.unit != s.unit.unit:
                continue
            publication = book.model.publications.get(act.fields["publication"])
            yuan = publication.reward_for(act.fields["form"]) if publication else None
            total += yuan or ZERO
        for act, _ in self.acts("endorsement.received"):
            if s.unit.unit in self.facts.credited_units(act.fields["report"], act.occurred_on):
                total += lookup_level(clause.endorsements, act.fields["level"]) or ZERO
        return total

