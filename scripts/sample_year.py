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

Fields = dict[str, object]

QUOTAS: dict[str, int] = {
    "county": 90, "department": 40, "institution": 20, "zone": 20, "vertical": 10, "liaison": 30,
}
ADOPT_RATE: dict[str, float] = {
    "county": 0.28, "department": 0.23, "institution": 0.19,
    "zone": 0.26, "vertical": 0.17, "liaison": 0.22,
}
UNIT_TABLE: dict[str, str] = {
    "county": "xingqing 兴庆区 jinfeng 金凤区 xixia 西夏区 yongning 永宁县 helan 贺兰县 "
    "lingwu 灵武市",
    "department": (
        "fgw 市发展改革委 jyj 市教育局 kjj 市科技局 gxj 市工业和信息化局 gaj 市公安局 mzj 市民政局 "
        "sfj 市司法局 czj 市财政局 rsj 市人社局 zrzyj 市自然资源局 sthjj 市生态环境局 zjj 市住建局 "
        "jtysj 市交通运输局 shuiwu 市水务局 nyncj 市农业农村局 shangwu 市商务局 wlj 市文旅局 "
        "wjw 市卫健委 tyjrj 市退役军人事务局 yjglj 市应急管理局 sjj 市审计局 scjgj 市市场监管局 "
        "tjj 市统计局 ybj 市医保局 xfj 市信访局 lcj 市林业和草原局 cgj 市城市管理局 "
        "spj 市审批服务管理局 gzw 市国资委 mzw 市民族宗教委"
    ),
    "institution": (
        "dsj 市大数据管理服务局 gjj 银川住房公积金管理中心 jgsw 市机关事务管理局 dag 市档案馆 "
        "rbs 银川日报社 gdt 银川广播电视台 ylj 市园林管理局 ggzy 市公共资源交易中心 "
        "zfyjs 市政府研究室 cdc 市疾病预防控制中心"
    ),
    "zone": "zbq 银川综合保税区 kfq 银川经济技术开发区 bhxq 银川滨河新区",
    "vertical": (
        "swj 银川市税务局 dcd 国家统计局银川调查队 qxj 银川市气象局 rhyc 人民银行银川中心支行 "
        "hg 银川海关 yzj 银川市邮政管理局"
    ),
    "liaison": "zjb 市政府驻北京办事处 zhb 市政府驻上海办事处 zsb 市政府驻深圳办事处",
}
UNITS: tuple[tuple[str, str, str], ...] = tuple(
    (slug, name, cls)
    for cls, text in UNIT_TABLE.items()
    for slug, name in zip(text.split()[::2], text.split()[1::2], strict=True)
)
RECLASSIFICATIONS = (("dsj", "department", 3), ("zfyjs", "department", 2))
PRIMARY = (("yinchuan-zwxx", 62), ("yinchuan-ztxx", 16), ("ningxia-kuaibao", 12),
           ("ningxia-chenbao", 8), ("guobao", 2))
SECONDARY = (("ningxia-kuaibao", 55), ("ningxia-chenbao", 40), ("guobao", 5))
FORMS: dict[str, tuple[tuple[str, int], ...]] = {
    "yinchuan-zwxx": (("item", 70), ("brief", 24), ("combined", 6)),
    "yinchuan-ztxx": (("research", 45), ("item", 25), ("brief", 15), ("combined", 15)),
    "ningxia-kuaibao": (("item", 75), ("brief", 25)),
    "ningxia-chenbao": (("item", 85), ("brief", 15)),
    "guobao": (("item", 70), ("brief", 30)),
    "forwarded-region": (("item", 80), ("brief", 20)),
}
TOPICS = (
    "营商环境优化", "黄河流域生态保护", "乡村振兴", "招商引资", "老旧小区改造", "垃圾分类",
    "脱贫攻坚", "放管服改革", "安全生产", "冬季清洁取暖", "全国文明城市创建", "河湖长制",
    "智慧城市建设", "民营经济发展", "城乡居民医保", "稳就业", "农村人居环境整治", "项目建设",
    "扫黑除恶专项斗争", "消费扩容提质", "葡萄酒产业", "奶产业", "全域旅游", "物业管理",
    "交通拥堵治理", "食品安全", "信访积案化解", "大气污染防治", "政务服务一网通办", "民生实事",
)
FRAMES = (
    "工作取得阶段性成效", "扎实推进", "的主要做法", "存在的问题及建议", "亮点纷呈",
    "面临的困难及对策", "的经验做法", "进展情况", "工作成效明显", "多措并举见实效",
)
LEVELS = (("city", 78), ("region", 20), ("national", 2))
SEVERITIES = (("late", 65), ("missed", 28), ("concealed", 7))
HOLIDAYS = frozenset({(1, 1), (5, 1)} | {(10, d) for d in range(1, 8)})
KNOWN_TYPES = frozenset({
    "unit.registered", "unit.reclassified", "report.filed", "report.adopted", "event.voided",
    "endorsement.received", "report.excellent", "late_report.notified", "commission.missed",
    "criticism.notified",
})


def _pick(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    """Return one key of a ``(key, weight)`` table, chosen by weight."""
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


class _Act:
    """An act under construction; ``seq`` is its creation order, ``target`` a voided act."""

    __slots__ = ("day", "fields", "recorded", "secondary", "seq", "target", "type")

    def __init__(self, kind: str, day: dt.date, fields: Fields, seq: int,
                 target: _Act | None = None) -> None:
        self.type, self.day, self.fields, self.seq, self.target = kind, day, fields, seq, target
        self.recorded: dt.date | None = None
        self.secondary = False


class _Builder:
    """Builds one city-year of acts from a seeded random generator."""

    def __init__(self, year: int, seed: int) -> None:
        self.year = year
        self.rng = random.Random(year * 1_000_003 + seed)
        start = dt.date(year, 1, 1)
        span = (start + dt.timedelta(n) for n in range((dt.date(year, 12, 31) - start).days + 1))
        self.days = [d for d in span if d.weekday() < 5 and (d.month, d.day) not in HOLIDAYS]
        self.index = {d: i for i, d in enumerate(self.days)}
        self.qdays = {q: [d for d in self.days if (d.month + 2) // 3 == q] for q in range(1, 5)}
        self.acts: list[_Act] = []
        self.names = {slug: name for slug, name, _ in UNITS}
        self.cls = {slug: dict.fromkeys(range(1, 5), cls) for slug, _, cls in UNITS}
        self.report_count = {slug: 0 for slug, _, _ in UNITS}
        self.filings: dict[str, list[_Act]] = {slug: [] for slug, _, _ in UNITS}
        self.adoptions: dict[str, list[_Act]] = {}
        self.streaks: dict[str, int] = {}

    def add(self, kind: str, day: dt.date, fields: Fields, target: _Act | None = None) -> _Act:
        """Append a new act and return it."""
        act = _Act(kind, day, fields, len(self.acts), target)
        self.acts.append(act)
        return act

    def shift(self, day: dt.date, n: int) -> dt.date | None:
        """Return the working day ``n`` working days after ``day``, or None past the year."""
        i = self.index[day] + n
        return self.days[i] if i < len(self.days) else None

    def shift_in_year(self, day: dt.date, n: int) -> dt.date:
        """Like :meth:`shift`, but stop at the last working day of the year."""
        return self.shift(day, n) or self.days[-1]

    def title(self, slug: str) -> str:
        """Build a plausible short Chinese report title for a unit."""
        rng, name = self.rng, self.names[slug]
        prefix = name if self.cls[slug][1] == "county" or rng.random() < 0.6 else "我市"
        topic = rng.choice(TOPICS)
        if rng.random() < 0.15:
            return f"关于{prefix}{topic}情况的调研报告"
        return f"{prefix}{topic}{rng.choice(FRAMES)}"

    def file_report(self, slug: str, day: dt.date, title: str) -> _Act:
        """File a new report for ``slug`` under the next report id of that unit."""
        self.report_count[slug] += 1
        rid = f"r-{slug}-{self.report_count[slug]:04d}"
        return self.add("report.filed", day, {"unit": slug, "report": rid, "title": title})

    def units(self) -> None:
        """Register every unit on 1 January and reclassify one or two at a quarter start."""
        for slug, name, cls in UNITS:
            self.add("unit.registered", dt.date(self.year, 1, 1),
                     {"unit": slug, "name": name, "class": cls})
        for slug, cls, q in RECLASSIFICATIONS[: self.rng.choice((1, 2))]:
            self.add("unit.reclassified", self.qdays[q][0], {"unit": slug, "class": cls})
            for later in range(q, 5):
                self.cls[slug][later] = cls

    def filings_and_adoptions(self) -> None:
        """File reports around each unit's quarterly quota and adopt a share of them."""
        rng = self.rng
        streaks = rng.sample([s for s, _, c in UNITS if c != "county"], 3)
        self.streaks = {s: rng.choice((1, 2)) for s in streaks}
        idle = set(rng.sample([s for s, _, c in UNITS if c in ("vertical", "liaison")], 2))
        for slug, _, _ in UNITS:
            factor, short_prev = rng.uniform(0.6, 1.4), False
            for q in range(1, 5):
                cls = self.cls[slug][q]
                if slug in self.streaks:
                    short = q in (self.streaks[slug], self.streaks[slug] + 1)
                else:
                    short = not short_prev and rng.random() < 0.18
                short_prev = short
                scale = rng.uniform(0.5, 0.92) if short else rng.uniform(1.0, 1.4)
                count = int(QUOTAS[cls] * scale) if short else -int(-QUOTAS[cls] * scale)
                for day in sorted(rng.choices(self.qdays[q], k=count)):
                    filing = self.file_report(slug, day, self.title(slug))
                    self.filings[slug].append(filing)
                    if slug not in idle and rng.random() < min(0.4, ADOPT_RATE[cls] * factor):
                        self.adopt(filing, cls)
            adopted = any(str(f.fields["report"]) in self.adoptions for f in self.filings[slug])
            if slug not in idle and not adopted:
                self.adopt(self.filings[slug][0], self.cls[slug][1])

    def adopt(self, filing: _Act, cls: str) -> None:
        """Adopt a filed report, sometimes again in a second publication later on."""
        rng = self.rng
        slug, rid = str(filing.fields["unit"]), str(filing.fields["report"])
        day = self.shift(filing.day, rng.randint(1, 15))
        if day is None:
            return
        pub = _pick(rng, PRIMARY)
        form = _pick(rng, FORMS[pub])
        fields: Fields = {"report": rid, "publication": pub, "form": form}
        if form == "combined":
            peers = [s for s, _, c in UNITS if c == cls and s != slug]
            fields["units"] = [slug, *rng.sample(peers, min(len(peers), rng.randint(1, 3)))]
        adoptions = [self.add("report.adopted", day, fields)]
        later: tuple[str, int] | None = None
        if pub == "yinchuan-zwxx" and rng.random() < 0.2:
            later = ("forwarded-region", rng.randint(1, 15))
        elif rng.random() < 0.12:
            later = (_pick(rng, [p for p in SECONDARY if p[0] != pub]), rng.randint(5, 45))
        if later is not None and (second := self.shift(day, later[1])) is not None:
            extra: Fields = {"report": rid, "publication": later[0],
                             "form": _pick(rng, FORMS[later[0]])}
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
        cutoff = self.days[-11]
        early = [rid for rid, ads in self.adoptions.items() if ads[0].day < cutoff]
        for rid in rng.sample(early, rng.randint(30, 42)):
            day = self.shift_in_year(self.adoptions[rid][0].day, rng.randint(5, 20))
            self.add("report.excellent", day, {"report": rid})

    def notices(self) -> None:
        """Add late-report notices, missed commissions and criticisms."""
        rng = self.rng
        slugs = [slug for slug, _, _ in UNITS]
        for _ in range(rng.randint(18, 30)):
            slug, severity = rng.choice(slugs), _pick(rng, SEVERITIES)
            notifier = "city" if rng.random() < 0.7 else "region"
            fields: Fields = {"unit": slug, "notifier": notifier, "severity": severity}
            day = rng.choice(self.days)
            if severity == "late" and rng.random() < 0.6:
                filing = rng.choice(self.filings[slug])
                fields["report"] = filing.fields["report"]
                day = self.shift_in_year(filing.day, rng.randint(1, 8))
            self.add("late_report.notified", day, fields)
        for q in range(1, 5):
            for slug in rng.sample(slugs, rng.randint(3, 6)):
                day = rng.choice(self.qdays[q][len(self.qdays[q]) // 3:])
                self.add("commission.missed", day, {"unit": slug})
        # Two quarters below quota already earn a criticism under the rulebook itself, so the office's
        # recorded criticisms here are for other failings, of units without such a run.
        others = [slug for slug in slugs if slug not in self.streaks]
        for slug in rng.sample(others, rng.randint(2, 3)):
            self.add("criticism.notified", rng.choice(self.days), {"unit": slug, "notifier": "city"})

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
            slug, title = str(original.fields["unit"]), str(original.fields["title"])
            targets.append((self.file_report(slug, original.day, title), "重复报送"))
        endorsed = [a for a in self.acts if a.type == "endorsement.received"]
        targets += [(a, "批示登记有误") for a in rng.sample(endorsed, min(len(endorsed), 4))]
        missed = [a for a in self.acts if a.type == "commission.missed"]
        targets += [(a, "经核实已按时完成约稿") for a in rng.sample(missed, rng.randint(2, 4))]
        for target, reason in targets:
            day = self.shift_in_year(target.day, rng.randint(1, 15))
            self.add("event.voided", day, {"target": None, "reason": reason}, target)

    def order(self) -> list[Fields]:
        """Backdate ~1% of dependency-free acts, sort into append order and assign act ids."""
        rng = self.rng
        targeted = {id(a.target) for a in self.acts if a.target is not None}
        movable = ("endorsement.received", "report.excellent", "late_report.notified",
                   "commission.missed", "criticism.notified", "event.voided")
        last, december = dt.date(self.year, 12, 31), dt.date(self.year, 12, 1)
        candidates = [a for a in self.acts if id(a) not in targeted and a.day < december
                      and (a.type in movable or a.secondary)]
        for act in rng.sample(candidates, round(len(self.acts) * 0.01)):
            act.recorded = min(last, act.day + dt.timedelta(rng.randint(3, 25)))
        ordered = sorted(self.acts, key=lambda a: (a.recorded or a.day, a.seq))
        ids = {id(a): f"yc{self.year}-{n:06d}" for n, a in enumerate(ordered, 1)}
        out: list[Fields] = []
        for act in ordered:
            head: Fields = {"id": ids[id(act)], "type": act.type, "occurred_on": str(act.day)}
            target = {} if act.target is None else {"target": ids[id(act.target)]}
            out.append(head | act.fields | target)
        return out


def generate(year: int = 2019, seed: int = 7) -> list[Fields]:
    """Return the acts of one city-year in append order; identical for identical arguments."""
    builder = _Builder(year, seed)
    builder.units()
    builder.filings_and_adoptions()
    builder.followups()
    builder.notices()
    builder.voids()
    return builder.order()


def check(acts: Iterable[Fields], year: int | None = None) -> list[str]:
    """Return the problems found in ``acts`` in file order (empty when the file is acceptable).

    Checks unknown types and references (units, reports and void targets must appear on earlier
    lines and not be voided), duplicate act ids, unit slugs and report ids, references to a
    report dated before its filing, endorsements or awards before any adoption, combined
    credits, and dates outside ``year`` (by default the year of the first act).
    """
    problems: list[str] = []
    kinds: dict[str, str] = {}
    voided: set[str] = set()
    units: dict[str, str] = {}
    filed: dict[str, tuple[str, dt.date]] = {}
    defines: dict[str, tuple[str, str]] = {}  # registration/filing act id -> (kind, key)
    adopted: dict[str, dt.date] = {}
    slug_chars = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
    for n, act in enumerate(acts, 1):
        aid, kind = str(act.get("id") or ""), str(act.get("type"))
        unit, report, target = act.get("unit"), act.get("report"), str(act.get("target"))
        rkey, credited = str(report), act.get("units")
        try:
            day = dt.date.fromisoformat(str(act["occurred_on"]))
        except (KeyError, ValueError):
            problems.append(f"line {n}: bad occurred_on")
            continue
        year = year or day.year
        found: list[str] = []
        if not aid or aid in kinds:
            found.append(f"missing or duplicate id {aid!r}")
        if kind not in KNOWN_TYPES:
            found.append(f"unknown type {kind!r}")
        if day.year != year:
            found.append(f"date {day} outside {year}")
        if kind == "unit.registered":
            if not isinstance(unit, str) or not unit or unit in units or set(unit) - slug_chars:
                found.append(f"bad or duplicate unit slug {unit!r}")
        elif unit is not None and unit not in units:
            found.append(f"unknown unit {unit!r}")
        if credited is not None and (not isinstance(credited, list) or not 2 <= len(credited) <= 4
                                     or any(u not in units for u in credited)):
            found.append(f"bad credited units {credited!r}")
        if kind == "report.filed":
            if not isinstance(report, str) or report in filed:
                found.append(f"bad or duplicate report id {report!r}")
        elif report is not None:
            if rkey not in filed:
                found.append(f"unknown report {report!r}")
            elif day < filed[rkey][1]:
                found.append(f"{kind} dated before the filing of {report}")
            elif kind in ("endorsement.received", "report.excellent") and (
                    rkey not in adopted or day < adopted[rkey]):
                found.append(f"{kind} of {report} before any adoption")
        if kind == "event.voided" and (
                target not in kinds or target in voided or kinds[target] == kind):
            found.append(f"bad void target {target!r}")
        problems.extend(f"line {n}: {p}" for p in found)
        kinds[aid] = kind
        if kind == "unit.registered":
            units[str(unit)], defines[aid] = aid, ("unit", str(unit))
        elif kind == "report.filed":
            filed[rkey], defines[aid] = (aid, day), ("report", rkey)
        elif kind == "report.adopted" and rkey in filed:
            adopted[rkey] = min(day, adopted.get(rkey, day))
        elif kind == "event.voided":
            voided.add(target)
            what, key = defines.pop(target, ("", ""))
            (units if what == "unit" else filed).pop(key, None)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: write the generated year as JSON Lines."""
    parser = argparse.ArgumentParser(description="Generate a sample Yinchuan information year.")
    parser.add_argument("--year", type=int, default=2019, help="calendar year (default 2019)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", help="output file (default: stdout)")
    args = parser.parse_args(argv)
    acts = generate(args.year, args.seed)
    data = "".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) + "\n" for a in acts)
    if args.out:
        with open(args.out, "wb") as fh:
            fh.write(data.encode("utf-8"))
    else:
        sys.stdout.buffer.write(data.encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
