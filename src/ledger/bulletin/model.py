"""The bulletin (《政务信息采用情况通报》) as data: built from a score document and the facts behind it.

`build` is pure: it reads the score JSON (ranks, totals, lines), the gathered facts of the same acts (for
the counts a bulletin shows beside the scores) and the rulebook versions that scored them, and returns a
`Bulletin` that every renderer draws the same way. Nothing here reads the store or the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ledger import terms
from ledger.bulletin.particulars import DEFAULT_TO, Particulars
from ledger.periods import Period, parse_period
from ledger.rulebooks import Deductions, QuotaCriticism, Rulebook
from projections.facts import Facts

CHINA = ZoneInfo("Asia/Shanghai")
TITLE = "政务信息采用情况通报"
OTHER = "_other"  # the column of adoptions in publications no rulebook version names
LONG_NAME = 10  # a publication name longer than this is shown in the header as 刊物N, with a legend
NUMERALS = "〇一二三四五六七八九十"
MEASURES = {"month": "个月", "quarter": "个季度", "half": "个半年", "year": "年"}
LABEL = re.compile(r"\b\d{4}(?:-(?:H[12]|Q[1-4]|\d{2}))?\b")


@dataclass(frozen=True)
class Column:
    """One 采用数 column: a publication (its rulebook slug and Chinese name) and the header it shows."""

    slug: str
    name: str
    label: str


@dataclass(frozen=True)
class Row:
    """A unit's line of the ranked table."""

    rank: int | None  # None: a class assessed apart, not ranked
    unit: str
    name: str
    filed: int
    adoptions: tuple[int, ...]  # per column, in the bulletin's column order
    endorsements: int
    total: int | float

    @property
    def adopted(self) -> int:
        return sum(self.adoptions)


@dataclass(frozen=True)
class Criticism:
    """A unit criticised in the period (通报批评), with the reasons in the regulation's terms."""

    unit: str
    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Bulletin:
    """Everything a rendered bulletin shows, and nothing that depends on when or where it is rendered."""

    title: str
    issuer: str
    number: str
    period: str  # the period's label, e.g. 2019-Q3
    period_name: str  # 2019年第三季度
    as_of: dt.date
    period_end: dt.date
    known_at: str  # the UTC instant the acts were cut at (ISO, as the score document gives it)
    position: int  # the last ledger position included
    rulebook: dict[str, Any]  # identity of the main version: id, version, sha256
    rulebook_title: str
    rulebook_document: str
    rulebooks_used: tuple[dict[str, Any], ...]
    engine: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    criticisms: tuple[Criticism, ...]
    to: str = DEFAULT_TO  # 主送
    cc: str | None = None  # 抄送 (none: no 抄送 line)
    issued: dt.date | None = None  # 印发日期 (none: the day of the known-at instant)
    code: str = ""  # 核验码: the start of the manifest's hash (`ledger.bulletin.issue.code_of`)

    @property
    def heading(self) -> str:
        """The document's own heading, under the masthead."""
        return f"关于{self.period_name}政务信息报送采用情况的通报"

    @property
    def subtitle(self) -> str:
        """The period in brackets, with the as-of date when the period was still open on it."""
        if self.as_of < self.period_end:
            return f"（{self.period_name}，截至{chinese_date(self.as_of)}）"
        return f"（{self.period_name}）"

    @property
    def issued_on(self) -> str:
        """The date line and 印发 date: as given, else the day (China time) of the known-at instant."""
        return chinese_date(self.issued or instant(self.known_at).astimezone(CHINA).date())

    @property
    def printed(self) -> str:
        """The 印发 line of the 版记: the issuing office and the date."""
        return f"{self.issuer}　　{self.issued_on}印发"

    @property
    def code_line(self) -> str:
        """The one line of provenance the document carries; the rest is in its manifest."""
        return f"核验码：{self.code}" if self.code else ""

    @property
    def known_at_text(self) -> str:
        moment = instant(self.known_at).astimezone(CHINA)
        return f"{chinese_date(moment.date())} {moment:%H:%M:%S}（北京时间）"

    @property
    def legend(self) -> tuple[str, ...]:
        """Header labels that stand for a longer publication name."""
        return tuple(f"{c.label}：{c.name}" for c in self.columns if c.label != c.name)

    @property
    def intro(self) -> str:
        filed = sum(r.filed for r in self.rows)
        adopted = sum(r.adopted for r in self.rows)
        endorsed = sum(r.endorsements for r in self.rows)
        return (
            f"根据《{self.rulebook_title}》（{self.rulebook_document}），现将{self.period_name}各单位政务信息"
            f"报送、采用及领导批示情况通报如下。本期{len(self.rows)}个单位共报送信息{filed}条，"
            f"被各级信息刊物采用{adopted}条次，获领导批示{endorsed}条次。"
        )

    @property
    def provenance(self) -> tuple[tuple[str, str], ...]:
        """The footer: what the bulletin was made from, precisely enough to make it again."""
        used = "、".join(f"{b['id']}@{b['version']}" for b in self.rulebooks_used) or "—"
        return (
            ("考核办法", f"《{self.rulebook_title}》（{self.rulebook_document}）"),
            ("规则版本", f"{self.rulebook['id']}@{self.rulebook['version']}（本期适用：{used}）"),
            ("规则 sha256", str(self.rulebook["sha256"])),
            ("统计期间", f"{self.period_name}（{self.period}）"),
            ("数据截至", f"{chinese_date(self.as_of)}（{self.as_of.isoformat()}）"),
            ("知悉时点", f"{self.known_at_text}（{self.known_at}）"),
            ("账本位置", f"第{self.position}条记录"),
            ("计分引擎", f"ledger {self.engine}"),
        )

    def figures(self) -> list[dict[str, Any]]:
        """Each unit's figures as the manifest keeps them (and `verify` compares them)."""
        criticised = {c.unit: list(c.reasons) for c in self.criticisms}
        return [
            {
                "unit": r.unit,
                "name": r.name,
                "rank": r.rank,
                "filed": r.filed,
                "adoptions": {c.slug: n for c, n in zip(self.columns, r.adoptions, strict=True)},
                "adopted": r.adopted,
                "endorsements": r.endorsements,
                "total": r.total,
                "criticised": criticised.get(r.unit, []),
            }
            for r in self.rows
        ]


def build(
    document: dict[str, Any],
    facts: Facts,
    books: Sequence[Rulebook],
    *,
    position: int,
    engine: str,
    particulars: Particulars | None = None,
) -> Bulletin:
    """The bulletin of a score document (`board_json`), from the facts it was scored on.

    `books` are the rulebook versions the score could use (the selection's versions); the document's main
    version gives the issuer, the publications (the 采用数 columns, in the rulebook's order) and the clause
    kinds that mark a criticism.
    """
    span = parse_period(document["period"])
    as_of = dt.date.fromisoformat(document["as_of"])
    main = _version(books, document["rulebook"])
    used = [b for ref in document["rulebooks_used"] if (b := _find(books, ref)) is not None]
    units = [u["unit"] for u in document["units"]]
    end = min(span.end, as_of)
    filed = {u: sum(span.start <= a.occurred_on <= end for a in facts.filings.get(u, ())) for u in units}
    adoptions, endorsements = _adoptions(facts, span, end), _endorsements(facts, span, end)
    columns = _columns(main, used, {pub for _, pub in adoptions})
    rows = tuple(
        Row(
            rank=u["rank"],
            unit=u["unit"],
            name=u["name"],
            filed=filed[u["unit"]],
            adoptions=tuple(_count(adoptions, u["unit"], c, columns) for c in columns),
            endorsements=endorsements[u["unit"]],
            total=u["total"],
        )
        for u in document["units"]
    )
    given = particulars or Particulars()
    return Bulletin(
        title=TITLE,
        issuer=main.model.issuer,
        number=given.number or default_number(span),
        period=span.label,
        period_name=period_name(span),
        as_of=as_of,
        period_end=span.end,
        known_at=document["known_at"],
        position=position,
        rulebook=dict(document["rulebook"]),
        rulebook_title=main.model.title,
        rulebook_document=main.model.document,
        rulebooks_used=tuple(dict(b) for b in document["rulebooks_used"]),
        engine=engine,
        columns=columns,
        rows=rows,
        criticisms=_criticisms(document, facts, books, main),
        to=given.to or DEFAULT_TO,
        cc=given.cc,
        issued=given.issued,
    )


def _find(books: Sequence[Rulebook], identity: dict[str, Any]) -> Rulebook | None:
    for book in books:
        if book.id == identity["id"] and book.version == identity["version"]:
            return book
    return None


def _version(books: Sequence[Rulebook], identity: dict[str, Any]) -> Rulebook:
    book = _find(books, identity)
    if book is None:
        raise ValueError(f"the score names {identity['id']}@{identity['version']}, which is not given")
    return book


def _adoptions(facts: Facts, span: Period, end: dt.date) -> Counter[tuple[str, str]]:
    """Adoptions in the period per (unit, publication): a combined adoption counts for each unit it lists."""
    counts: Counter[tuple[str, str]] = Counter()
    for act in facts.by_type.get("report.adopted", ()):
        if not span.start <= act.occurred_on <= end:
            continue
        f = act.fields
        filing = facts.reports.get(f["report"])
        units = list(f["units"]) if f["form"] == "combined" else ([filing.unit] if filing else [])
        for unit in dict.fromkeys(units):
            counts[(unit, f["publication"])] += 1
    return counts


def _endorsements(facts: Facts, span: Period, end: dt.date) -> Counter[str]:
    """Endorsements in the period per unit credited with the report (as the scoring credits them)."""
    counts: Counter[str] = Counter()
    for act in facts.by_type.get("endorsement.received", ()):
        if span.start <= act.occurred_on <= end:
            for unit in facts.credited_units(act.fields["report"], act.occurred_on):
                counts[unit] += 1
    return counts


def _columns(main: Rulebook, used: Sequence[Rulebook], seen: set[str]) -> tuple[Column, ...]:
    names: dict[str, str] = {}
    for book in [main, *used]:
        for slug, publication in book.model.publications.items():
            names.setdefault(slug, publication.name)
    if seen - names.keys():
        names[OTHER] = "其他刊物"
    columns = []
    for place, (slug, name) in enumerate(names.items(), start=1):
        label = name if len(name) <= LONG_NAME else f"刊物{place}"
        columns.append(Column(slug, name, label))
    return tuple(columns)


def _count(adoptions: Counter[tuple[str, str]], unit: str, column: Column, columns: Sequence[Column]) -> int:
    """A unit's adoptions in a column; the 其他刊物 column counts the publications no column names."""
    if column.slug != OTHER:
        return adoptions[(unit, column.slug)]
    named = {c.slug for c in columns}
    return sum(n for (who, pub), n in adoptions.items() if who == unit and pub not in named)


def _criticisms(
    document: dict[str, Any], facts: Facts, books: Sequence[Rulebook], main: Rulebook
) -> tuple[Criticism, ...]:
    kinds = {(b.ref, c.id): c for b in books for c in b.model.clauses}
    notices = {a.id: a for a in facts.by_type.get("criticism.notified", ())}
    cadence = main.model.cadence
    deduction = next((c for c in main.model.clauses if isinstance(c, Deductions)), None)
    out = []
    for u in document["units"]:
        reasons: list[str] = []
        for line in u["lines"]:
            clause = kinds.get((line["rulebook"], line["clause"]["id"]))
            kind = getattr(clause, "kind", None)
            if isinstance(clause, QuotaCriticism):
                labels = [period_name(parse_period(label)) for label in LABEL.findall(line["detail"])]
                run = len(labels) or clause.run
                which = f"（{'、'.join(labels)}）" if labels else ""
                reasons.append(f"连续{run}{MEASURES[cadence]}未完成信息报送任务{which}")
            elif kind == "criticism" and (line["points"] or line["events"]):
                for act_id in line["events"]:
                    notice = notices.get(act_id)
                    if notice is None:
                        reasons.append("受到通报批评")
                        continue
                    level = terms.LEVELS.get(notice.fields.get("notifier", ""), "")
                    reasons.append(f"受到{level}通报批评（{chinese_date(notice.occurred_on)}）")
        if u["flags"].get("criticized"):
            value = u["metrics"].get(deduction.metric) if deduction else None
            if deduction is not None and value is not None and value >= deduction.criticized_at:
                reasons.append(
                    f"累计扣{points_text(value)}分，达到{points_text(deduction.criticized_at)}分的通报批评标准"
                )
            elif not reasons:
                reasons.append("依考核办法予以通报批评")
        if reasons:
            out.append(Criticism(u["unit"], u["name"], tuple(dict.fromkeys(reasons))))
    return tuple(out)


def period_name(span: Period) -> str:
    """2019年 / 2019年上半年 / 2019年第三季度 / 2019年7月."""
    year, label = span.start.year, span.label
    if "-H" in label:
        return f"{year}年{'上' if label.endswith('1') else '下'}半年"
    if "-Q" in label:
        return f"{year}年第{NUMERALS[int(label[-1])]}季度"
    if "-" in label:
        return f"{year}年{span.start.month}月"
    return f"{year}年"


def default_number(span: Period) -> str:
    """The issue line under the masthead: 2019年第3期 for a quarter or a month, the half's name, or 年度."""
    label = span.label
    if "-H" in label:
        return period_name(span)
    if "-Q" in label:
        return f"{span.start.year}年第{label[-1]}期"
    if "-" in label:
        return f"{span.start.year}年第{span.start.month}期"
    return f"{span.start.year}年年度"


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def points_text(value: Any) -> str:
    """Points as the bulletin prints them: 19, 19.5, -3 (no trailing zeros, no exponent)."""
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text in ("-0", "0") else text
