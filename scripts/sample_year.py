"""Generate a deterministic sample city-year of Yinchuan government information-work acts.

The acts use the vocabulary scored under 银政办发〔2018〕94号 (银川市政务信息工作考核办法):
unit registrations, report filings and adoptions, endorsements, excellence awards,
late-report notices, missed commissions, criticisms and voids. The output is JSON Lines in
append order: every referenced unit, report or act id appears on an earlier line.

Usage: ``python scripts/sample_year.py [--year 2019] [--seed 7] [--out FILE]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

QUOTAS: dict[str, int] = {
    "county": 90, "department": 40, "institution": 20, "zone": 20, "vertical": 10, "liaison": 30,
}
ADOPT_RATE: dict[str, float] = {
    "county": 0.26, "department": 0.21, "institution": 0.17,
    "zone": 0.24, "vertical": 0.15, "liaison": 0.20,
}
UNITS: tuple[tuple[str, str, str], ...] = (
    ("xingqing", "兴庆区", "county"), ("jinfeng", "金凤区", "county"),
    ("xixia", "西夏区", "county"), ("yongning", "永宁县", "county"),
    ("helan", "贺兰县", "county"), ("lingwu", "灵武市", "county"),
    ("fgw", "市发展改革委", "department"), ("jyj", "市教育局", "department"),
    ("kjj", "市科技局", "department"), ("gxj", "市工业和信息化局", "department"),
    ("gaj", "市公安局", "department"), ("mzj", "市民政局", "department"),
    ("sfj", "市司法局", "department"), ("czj", "市财政局", "department"),
    ("rsj", "市人社局", "department"), ("zrzyj", "市自然资源局", "department"),
    ("sthjj", "市生态环境局", "department"), ("zjj", "市住建局", "department"),
    ("jtysj", "市交通运输局", "department"), ("shuiwu", "市水务局", "department"),
    ("nyncj", "市农业农村局", "department"), ("shangwu", "市商务局", "department"),
    ("wlj", "市文旅局", "department"), ("wjw", "市卫健委", "department"),
    ("tyjrj", "市退役军人事务局", "department"), ("yjglj", "市应急管理局", "department"),
    ("sjj", "市审计局", "department"), ("scjgj", "市市场监管局", "department"),
    ("tjj", "市统计局", "department"), ("ybj", "市医保局", "department"),
    ("xfj", "市信访局", "department"), ("lcj", "市林业和草原局", "department"),
    ("cgj", "市城市管理局", "department"), ("spj", "市审批服务管理局", "department"),
    ("gzw", "市国资委", "department"), ("mzw", "市民族宗教委", "department"),
    ("dsj", "市大数据管理服务局", "institution"), ("gjj", "银川住房公积金管理中心", "institution"),
    ("jgsw", "市机关事务管理局", "institution"), ("dag", "市档案馆", "institution"),
    ("rbs", "银川日报社", "institution"), ("gdt", "银川广播电视台", "institution"),
    ("ylj", "市园林管理局", "institution"), ("ggzy", "市公共资源交易中心", "institution"),
    ("zfyjs", "市政府研究室", "institution"), ("cdc", "市疾病预防控制中心", "institution"),
    ("zbq", "银川综合保税区", "zone"), ("kfq", "银川经济技术开发区", "zone"),
    ("bhxq", "银川滨河新区", "zone"),
    ("swj", "银川市税务局", "vertical"), ("dcd", "国家统计局银川调查队", "vertical"),
    ("qxj", "银川市气象局", "vertical"), ("rhyc", "人民银行银川中心支行", "vertical"),
    ("hg", "银川海关", "vertical"), ("yzj", "银川市邮政管理局", "vertical"),
    ("zjb", "市政府驻北京办事处", "liaison"), ("zhb", "市政府驻上海办事处", "liaison"),
    ("zsb", "市政府驻深圳办事处", "liaison"),
)
RECLASSIFICATIONS: tuple[tuple[str, str, int], ...] = (
    ("dsj", "department", 3), ("zfyjs", "department", 2),
)
PRIMARY: tuple[tuple[str, int], ...] = (
    ("yinchuan-zwxx", 62), ("yinchuan-ztxx", 16), ("ningxia-kuaibao", 12),
    ("ningxia-chenbao", 8), ("guobao", 2),
)
SECONDARY: tuple[tuple[str, int], ...] = (
    ("ningxia-kuaibao", 55), ("ningxia-chenbao", 40), ("guobao", 5),
)
FORMS: dict[str, tuple[tuple[str, int], ...]] = {
    "yinchuan-zwxx": (("item", 70), ("brief", 24), ("combined", 6)),
    "yinchuan-ztxx": (("research", 45), ("item", 25), ("brief", 15), ("combined", 15)),
    "ningxia-kuaibao": (("item", 75), ("brief", 25)),
    "ningxia-chenbao": (("item", 85), ("brief", 15)),
    "guobao": (("item", 70), ("brief", 30)),
    "forwarded-region": (("item", 80), ("brief", 20)),
}
TOPICS: tuple[str, ...] = (
    "营商环境优化", "黄河流域生态保护", "乡村振兴", "招商引资", "老旧小区改造", "垃圾分类",
    "脱贫攻坚", "放管服改革", "安全生产", "冬季清洁取暖", "全国文明城市创建", "河湖长制",
    "智慧城市建设", "民营经济发展", "城乡居民医保", "稳就业", "农村人居环境整治", "项目建设",
    "扫黑除恶专项斗争", "消费扩容提质", "葡萄酒产业", "奶产业", "全域旅游", "物业管理",
    "交通拥堵治理", "食品安全", "信访积案化解", "大气污染防治", "政务服务一网通办", "民生实事",
)
FRAMES: tuple[str, ...] = (
    "工作取得阶段性成效", "扎实推进", "的主要做法", "存在的问题及建议", "亮点纷呈",
    "面临的困难及对策", "的经验做法", "进展情况", "工作成效明显", "多措并举见实效",
)
LEVELS: tuple[tuple[str, int], ...] = (("city", 78), ("region", 20), ("national", 2))
SEVERITIES: tuple[tuple[str, int], ...] = (("late", 65), ("missed", 28), ("concealed", 7))
PUBLICATIONS = frozenset(FORMS)
HOLIDAYS = frozenset({(1, 1), (5, 1)} | {(10, d) for d in range(1, 8)})


def _pick(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    """Return one key of a ``(key, weight)`` table, chosen by weight."""
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _quarter(day: dt.date) -> int:
    """Return the calendar quarter (1–4) of ``day``."""
    return (day.month - 1) // 3 + 1


@dataclass(eq=False)
class _Act:
    """An act under construction; ``seq`` is its creation order, ``target`` a voided act."""

    type: str
    day: dt.date
    fields: dict[str, object]
    seq: int
    target: _Act | None = None
    recorded: dt.date | None = None
    secondary: bool = False


class _Builder:
    """Builds one city-year of acts from a seeded random generator."""

    def __init__(self, year: int, seed: int) -> None:
        self.year = year
        self.rng = random.Random(year * 1_000_003 + seed)
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        span = (start + dt.timedelta(n) for n in range((end - start).days + 1))
        self.days = [d for d in span if d.weekday() < 5 and (d.month, d.day) not in HOLIDAYS]
        self.index = {d: i for i, d in enumerate(self.days)}
        self.qdays = {q: [d for d in self.days if _quarter(d) == q] for q in range(1, 5)}
        self.acts: list[_Act] = []
        self.names = {slug: name for slug, name, _ in UNITS}
        self.cls = {slug: {q: c for q in range(1, 5)} for slug, _, c in UNITS}
        self.report_count: dict[str, int] = {slug: 0 for slug, _, _ in UNITS}
        self.filings: dict[str, list[_Act]] = {slug: [] for slug, _, _ in UNITS}
        self.adoptions: dict[str, list[_Act]] = {}

    def add(self, kind: str, day: dt.date, fields: dict[str, object],
            target: _Act | None = None) -> _Act:
        """Append a new act and return it."""
        act = _Act(kind, day, fields, len(self.acts), target)
        self.acts.append(act)
        return act

    def shift(self, day: dt.date, n: int, clamp: bool = False) -> dt.date | None:
        """Return the working day ``n`` working days after ``day`` (None or last if past year)."""
        i = self.index[day] + n
        if i < len(self.days):
            return self.days[i]
        return self.days[-1] if clamp else None

    def title(self, slug: str) -> str:
        """Build a plausible short Chinese report title for a unit."""
        rng, name = self.rng, self.names[slug]
        prefix = name if self.cls[slug][1] == "county" or rng.random() < 0.6 else "我市"
        topic = rng.choice(TOPICS)
        if rng.random() < 0.15:
            return f"关于{prefix}{topic}情况的调研报告"
        return f"{prefix}{topic}{rng.choice(FRAMES)}"

    def file_report(self, slug: str, day: dt.date, title: str) -> _Act:
        """File a new report for ``slug`` with the next report id of that unit."""
        self.report_count[slug] += 1
        rid = f"r-{slug}-{self.report_count[slug]:04d}"
        return self.add("report.filed", day, {"unit": slug, "report": rid, "title": title})

    def units(self) -> None:
        """Register every unit on 1 January and schedule one or two reclassifications."""
        jan1 = dt.date(self.year, 1, 1)
        for slug, name, cls in UNITS:
            self.add("unit.registered", jan1, {"unit": slug, "name": name, "class": cls})
        for slug, cls, q in RECLASSIFICATIONS[: self.rng.choice((1, 2))]:
            self.add("unit.reclassified", self.qdays[q][0], {"unit": slug, "class": cls})
            for later in range(q, 5):
                self.cls[slug][later] = cls

    def filings_and_adoptions(self) -> None:
        """File reports around each unit's quota and adopt a share of them."""
        rng = self.rng
        slugs = [slug for slug, _, _ in UNITS]
        streaks = rng.sample([s for s, _, c in UNITS if c != "county"], 3)
        self.streaks = {s: rng.choice((1, 2)) for s in streaks}
        idle = set(rng.sample([s for s, _, c in UNITS if c in ("vertical", "liaison")], 2))
        for slug in slugs:
            factor = rng.uniform(0.6, 1.4)
            short_prev = False
            for q in range(1, 5):
                cls = self.cls[slug][q]
                quota = QUOTAS[cls]
                if slug in self.streaks:
                    short = q in (self.streaks[slug], self.streaks[slug] + 1)
                else:
                    short = not short_prev and rng.random() < 0.18
                short_prev = short
                scale = rng.uniform(0.5, 0.92) if short else rng.uniform(1.0, 1.3)
                count = int(quota * scale) if short else -int(-quota * scale)
                for day in sorted(rng.choices(self.qdays[q], k=count)):
                    filing = self.file_report(slug, day, self.title(slug))
                    self.filings[slug].append(filing)
                    rate = min(0.4, ADOPT_RATE[cls] * factor)
                    if slug not in idle and rng.random() < rate:
                        self.adopt(filing, cls)

    def adopt(self, filing: _Act, cls: str) -> None:
        """Adopt a filed report, sometimes again in a second publication later on."""
        rng = self.rng
        slug, rid = str(filing.fields["unit"]), str(filing.fields["report"])
        day = self.shift(filing.day, rng.randint(1, 15))
        if day is None:
            return
        pub = _pick(rng, PRIMARY)
        form = _pick(rng, FORMS[pub])
        fields: dict[str, object] = {"report": rid, "publication": pub, "form": form}
        if form == "combined":
            peers = [s for s, _, c in UNITS if c == cls and s != slug]
            fields["units"] = [slug, *rng.sample(peers, min(len(peers), rng.randint(1, 3)))]
        adoptions = [self.add("report.adopted", day, fields)]
        later: tuple[str, int] | None = None
        if pub == "yinchuan-zwxx" and rng.random() < 0.2:
            later = ("forwarded-region", rng.randint(1, 10))
        elif rng.random() < 0.1:
            later = (_pick(rng, [p for p in SECONDARY if p[0] != pub]), rng.randint(5, 30))
        if later is not None and (second := self.shift(day, later[1])) is not None:
            form2 = _pick(rng, FORMS[later[0]])
            extra = {"report": rid, "publication": later[0], "form": form2}
            adoptions.append(self.add("report.adopted", second, extra))
            adoptions[-1].secondary = True
        self.adoptions[rid] = adoptions

    def followups(self) -> None:
        """Add endorsements and excellence awards for adopted reports."""
        rng = self.rng
        for rid, adoptions in self.adoptions.items():
            if rng.random() < 0.09:
                day = self.shift(adoptions[0].day, rng.randint(1, 25))
                levels = [_pick(rng, LEVELS)] + (["region"] if rng.random() < 0.12 else [])
                for level in levels:
                    if day is None:
                        break
                    self.add("endorsement.received", day, {"report": rid, "level": level})
                    day = self.shift(day, rng.randint(3, 20))
        early = [rid for rid, ads in self.adoptions.items() if self.index[ads[0].day] + 10 < len(
            self.days)]
        for rid in rng.sample(early, rng.randint(30, 42)):
            day = self.shift(self.adoptions[rid][0].day, rng.randint(5, 20), clamp=True)
            assert day is not None
            self.add("report.excellent", day, {"report": rid})

    def notices(self) -> None:
        """Add late-report notices, missed commissions and criticisms."""
        rng = self.rng
        slugs = [slug for slug, _, _ in UNITS]
        for _ in range(rng.randint(18, 30)):
            slug = rng.choice(slugs)
            severity = _pick(rng, SEVERITIES)
            fields: dict[str, object] = {
                "unit": slug, "notifier": "city" if rng.random() < 0.7 else "region",
                "severity": severity,
            }
            day = rng.choice(self.days)
            if severity == "late" and self.filings[slug] and rng.random() < 0.6:
                filing = rng.choice(self.filings[slug])
                fields["report"] = filing.fields["report"]
                day = self.shift(filing.day, rng.randint(1, 8), clamp=True) or day
            self.add("late_report.notified", day, fields)
        for q in range(1, 5):
            for slug in rng.sample(slugs, rng.randint(3, 6)):
                day = rng.choice(self.qdays[q][len(self.qdays[q]) // 3:])
                self.add("commission.missed", day, {"unit": slug})
        for slug, q in sorted(self.streaks.items()):
            day = self.qdays[q + 2][rng.randint(3, 12)]
            self.add("criticism.notified", day, {"unit": slug, "notifier": "city"})

    def voids(self) -> None:
        """Add mistaken acts (duplicates, wrong entries) and the voids that retract them."""
        rng = self.rng
        targets: list[tuple[_Act, str]] = []
        adopted = [a for ads in self.adoptions.values() for a in ads]
        for original in rng.sample(adopted, rng.randint(10, 16)):
            dup = self.add("report.adopted", original.day, dict(original.fields))
            targets.append((dup, "重复登记"))
        filed = [f for fs in self.filings.values() for f in fs]
        for original in rng.sample(filed, rng.randint(3, 5)):
            slug = str(original.fields["unit"])
            dup = self.file_report(slug, original.day, str(original.fields["title"]))
            targets.append((dup, "重复报送"))
        endorsed = [a for a in self.acts if a.type == "endorsement.received"]
        targets += [(a, "批示登记有误") for a in rng.sample(endorsed, min(len(endorsed), 4))]
        missed = [a for a in self.acts if a.type == "commission.missed"]
        targets += [(a, "经核实已按时完成约稿") for a in rng.sample(missed, rng.randint(2, 4))]
        for target, reason in targets:
            day = self.shift(target.day, rng.randint(1, 15), clamp=True)
            assert day is not None
            self.add("event.voided", day, {"target": None, "reason": reason}, target)

    def order(self) -> list[dict[str, object]]:
        """Backdate ~1% of dependency-free acts, sort into append order and assign ids."""
        rng = self.rng
        targeted = {id(a.target) for a in self.acts if a.target is not None}
        movable = ("endorsement.received", "report.excellent", "late_report.notified",
                   "commission.missed", "criticism.notified", "event.voided")
        last = dt.date(self.year, 12, 31)
        candidates = [
            a for a in self.acts
            if id(a) not in targeted and (a.type in movable or a.secondary)
            and a.day < dt.date(self.year, 12, 1)
        ]
        for act in rng.sample(candidates, round(len(self.acts) * 0.01)):
            act.recorded = min(last, act.day + dt.timedelta(rng.randint(3, 25)))
        ordered = sorted(self.acts, key=lambda a: (a.recorded or a.day, a.seq))
        ids = {id(a): f"yc{self.year}-{n:06d}" for n, a in enumerate(ordered, 1)}
        out: list[dict[str, object]] = []
        for act in ordered:
            fields = dict(act.fields)
            if act.target is not None:
                fields["target"] = ids[id(act.target)]
            out.append({"id": ids[id(act)], "type": act.type,
                        "occurred_on": act.day.isoformat(), **fields})
        return out


def generate(year: int = 2019, seed: int = 7) -> list[dict[str, object]]:
    """Return the acts of one city-year, in append order; identical for identical arguments."""
    builder = _Builder(year, seed)
    builder.units()
    builder.filings_and_adoptions()
    builder.followups()
    builder.notices()
    builder.voids()
    return builder.order()


def check(acts: Iterable[dict[str, object]], year: int | None = None) -> list[str]:
    """Return the problems found in ``acts`` (empty when the file is acceptable)."""
    problems: list[str] = []
    ids: set[str] = set()
    voided: set[str] = set()
    units: set[str] = set()
    filed: dict[str, dt.date] = {}
    adopted: dict[str, dt.date] = {}
    slug_chars = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    for n, act in enumerate(acts, 1):
        aid, kind, where = act.get("id"), act.get("type"), f"line {n}"
        if not isinstance(aid, str) or aid in ids:
            problems.append(f"{where}: missing or duplicate id {aid!r}")
        try:
            day = dt.date.fromisoformat(str(act["occurred_on"]))
        except (KeyError, ValueError):
            problems.append(f"{where}: bad occurred_on")
            continue
        year = year or day.year
        if day.year != year:
            problems.append(f"{where}: {day} outside {year}")
        unit, report = act.get("unit"), act.get("report")
        if unit is not None and kind != "unit.registered" and unit not in units:
            problems.append(f"{where}: unknown unit {unit!r}")
        if report is not None and kind != "report.filed" and report not in filed:
            problems.append(f"{where}: unknown report {report!r}")
        if kind == "unit.registered":
            if not isinstance(unit, str) or not unit or set(unit) - slug_chars or unit in units:
                problems.append(f"{where}: bad or duplicate unit slug {unit!r}")
            units.add(str(unit))
        if kind in ("unit.registered", "unit.reclassified") and act.get("class") not in QUOTAS:
            problems.append(f"{where}: unknown class {act.get('class')!r}")
        elif kind == "report.filed":
            if report in filed or not isinstance(report, str):
                problems.append(f"{where}: bad or duplicate report id {report!r}")
            filed[str(report)] = day
        elif kind == "report.adopted" and report in filed:
            pub, form, credited = act.get("publication"), act.get("form"), act.get("units")
            if pub not in PUBLICATIONS or form not in ("item", "brief", "research", "combined"):
                problems.append(f"{where}: bad publication/form {pub!r}/{form!r}")
            if day < filed[str(report)]:
                problems.append(f"{where}: adoption of {report} before its filing")
            if (form == "combined") != (credited is not None) or credited is not None and (
                not isinstance(credited, list) or not 2 <= len(credited) <= 4
                or any(u not in units for u in credited)
            ):
                problems.append(f"{where}: bad credited units {credited!r}")
            adopted[str(report)] = min(day, adopted.get(str(report), day))
        elif kind in ("endorsement.received", "report.excellent") and report in filed:
            if report not in adopted or day < adopted[str(report)]:
                problems.append(f"{where}: {kind} for {report} before any adoption")
            if kind == "endorsement.received" and act.get("level") not in (
                    "national", "region", "city"):
                problems.append(f"{where}: bad level {act.get('level')!r}")
        elif kind == "late_report.notified":
            if act.get("notifier") not in ("city", "region") or act.get("severity") not in (
                    "late", "missed", "concealed"):
                problems.append(f"{where}: bad notifier/severity")
        elif kind == "criticism.notified" and act.get("notifier") != "city":
            problems.append(f"{where}: bad notifier {act.get('notifier')!r}")
        elif kind == "event.voided":
            target = act.get("target")
            if target not in ids or target in voided or not act.get("reason"):
                problems.append(f"{where}: bad void target {target!r}")
            voided.add(str(target))
        elif kind not in ("unit.reclassified", "report.adopted", "endorsement.received",
                          "report.excellent", "commission.missed", "criticism.notified"):
            problems.append(f"{where}: unknown type {kind!r}")
        ids.add(str(aid))
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: write the generated year as JSON Lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2019, help="calendar year (default 2019)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", help="output file (default: stdout)")
    args = parser.parse_args(argv)
    lines = (json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in
             generate(args.year, args.seed))
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    if args.out:
        with open(args.out, "wb") as fh:
            fh.write(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
