"""Rulebooks: versioned regulations as data (TOML), validated on load, identified by their sha256.

A rulebook file is data only: TOML has no includes and nothing in it is executed. Loading checks every key
and names the file and the key that is wrong. A family (one `id`) may have several versions, each with its
effective window; naming `ID@VERSION` pins one version for any period (a retroactive rule change).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ledger import validation
from ledger.acts import FORMS, ITEM_ACTS, LEVELS, SEVERITIES
from ledger.errors import NotFound, RulebookError
from ledger.nesting import nesting_fault
from ledger.periods import CADENCES

Level = Literal["national", "region", "province", "city", "district", "county"]
Severity = Literal["late", "missed", "concealed"]
FormKey = Literal["default", "item", "brief", "research", "combined"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


# Bounds on a rulebook's text and numbers, generous for any regulation (the shipped ones use at most 500
# points or yuan, quotas of 90); scores made with them are exact up to 10^18 and floats beyond it, never an
# overflow (`ledger.render.number`).
MAX_BYTES = 1024 * 1024  # the text of a rulebook: a file, a draft sent to the service or pasted in a form
MAX_AMOUNT = Decimal(1_000_000)  # |points|, |yuan| and every other amount
PLACES = Decimal("0.0001")  # at most four decimals, as acts' points
MAX_COUNT = 1_000_000  # versions, quotas, runs and thresholds counted in acts or periods
MAX_TEXT = 10_000  # characters in a reading or notes, Chinese or English (the longest shipped: about 2,300)
MAX_ENTRIES = 1000  # classes, publications or clauses (the shipped ones have at most 33 clauses); scoring
# takes longer than linearly in them: 1,000 clauses score a city-quarter in about a second, 13,500 in minutes


def _number(value: Any) -> Decimal:
    """Points are TOML numbers, finite, at most MAX_AMOUNT either way, with at most four decimals; a string
    or a boolean where points belong is a wrong type, not converted."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"应为数字，而不是 {value!r} (must be a number, not {type(value).__name__})")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite() or abs(number) > MAX_AMOUNT or number != number.quantize(PLACES):
        raise ValueError(
            f"超出范围：须为 -{MAX_AMOUNT} 至 {MAX_AMOUNT} 之间、至多 4 位小数的数 "
            f"(must be a finite number from -{MAX_AMOUNT} to {MAX_AMOUNT} with at most 4 decimals), "
            f"not {value!r}"
        )
    return number


def _count(value: int) -> int:
    if value > MAX_COUNT:
        raise ValueError(f"超出范围：至多 {MAX_COUNT} (must be at most {MAX_COUNT}), not {value}")
    return value


Points = Annotated[Decimal, BeforeValidator(_number)]
Count = Annotated[int, AfterValidator(_count)]
Prose = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Reading = Annotated[Prose | None, Field(description="the reading chosen where it is ambiguous, in Chinese")]
ReadingEn = Annotated[Prose | None, Field(description="the same reading in English")]

assert set(get_args(Level)) == set(LEVELS) and set(get_args(Severity)) == set(SEVERITIES)
assert set(get_args(FormKey)) == {"default", *FORMS}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class UnitClass(Strict):
    name: str
    quota: Count | None = Field(default=None, ge=0)
    not_ranked: str | None = Field(
        default=None,
        min_length=1,
        description="why units of this class are scored but not ranked with the others (the seed's words)",
    )


class Publication(Strict):
    name: str
    level: Level
    points: dict[FormKey, Points]
    reward_yuan: dict[FormKey, Points] = {}

    def points_for(self, form: str) -> Points | None:
        table: Mapping[Any, Points] = self.points
        return table.get(form, table.get("default"))

    def reward_for(self, form: str) -> Points | None:
        table: Mapping[Any, Points] = self.reward_yuan
        return table.get(form, table.get("default"))


class Bilingual(Strict):
    """A model with texts in Chinese (`reading`, `notes`) and, optionally, their English beside them
    (`reading_en`, `notes_en`): an English text is the second of a Chinese one, never the only one."""

    @field_validator("reading_en", "notes_en", check_fields=False)
    @classmethod
    def _english_beside(cls, english: str | None, info: ValidationInfo) -> str | None:
        chinese = (info.field_name or "").removesuffix("_en")
        if english is not None and info.data.get(chinese, "") is None:  # absent, not merely invalid
            raise ValueError(f"有 {chinese}_en 而无 {chinese}：英文附在中文旁 (give the Chinese '{chinese}')")
        return english


class ClauseBase(Bilingual):
    id: str = Field(min_length=1)
    wording: str = Field(min_length=1, description="the seed's own sentence")
    reading: Reading = None
    reading_en: ReadingEn = None


class FilingQuota(ClauseBase):
    kind: Literal["filing_quota"]
    met: Points
    missed: Points = Decimal(0)


class QuotaCriticism(ClauseBase):
    kind: Literal["quota_criticism"]
    run: Count = Field(ge=1)
    points: Points = Decimal(0)


class Adoption(ClauseBase):
    kind: Literal["adoption"]
    credit: Literal["highest", "each"]
    combined_points: Points | None = None


class Endorsement(ClauseBase):
    kind: Literal["endorsement"]
    points: dict[Level, Points] | None = None
    adoption_multiple: Points | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> Endorsement:
        if (self.points is None) == (self.adoption_multiple is None):
            raise ValueError(
                "points 与 adoption_multiple 须且只须给出一个 "
                "(give exactly one of 'points' or 'adoption_multiple')"
            )
        return self


class PerAct(ClauseBase):
    kind: Literal["excellent", "commission_missed", "criticism"]
    points: Points


class LateNotice(ClauseBase):
    kind: Literal["late_notice"]
    points: dict[Level, dict[Severity, Points]]


class PerformanceAdjustment(ClauseBase):
    kind: Literal["performance_adjustment"]
    metric: Slug
    per_criticism: Points
    zero_adoption_year: Points


class Reward(ClauseBase):
    kind: Literal["reward"]
    metric: Slug
    endorsements: dict[Level, Points] = {}


class Deductions(ClauseBase):
    kind: Literal["deductions"]
    metric: Slug
    ineligible_at: Points
    criticized_at: Points


# --- items (考核项目): weighted, bounded, fed by violations, merits, tasks and weekly posts ----------------


class WeeklyPosts(Strict):
    quota: Count = Field(ge=1, description="posts owed each week")
    per_missing: Points = Field(description="points for each post short of the quota (negative)")

    @field_validator("per_missing")
    @classmethod
    def _negative(cls, value: Decimal) -> Decimal:
        return _at_most_zero(value)


class Item(ClauseBase):
    """An assessed item. A deduction item (扣分制) starts at its weight, a credit (得分制) or bonus
    (加分制) item at 0; violations, merits, tasks and weekly posting shortfalls move it, and it ends
    between its floor and its weight (扣完为止; 计分不超过该单项分值). Credit and deduction items make up
    the base."""

    kind: Literal["item"]
    fed_by: ClassVar[tuple[str, ...]] = ITEM_ACTS
    basis: Literal["deduction", "credit", "bonus"]
    weight: Points | None = Field(default=None, description="the item's points; none: no ceiling")
    floor: Points = Decimal(0)
    classes: list[Slug] | None = Field(default=None, description="the classes it applies to; none: all")
    exemptible: list[Slug] = Field(default=[], description="the classes an exemption can take it from")
    group: Slug | None = None
    per_violation: Points | None = None
    per_merit: Points | None = None
    late_task: Points | None = Field(
        default=None,
        description="a deduction item's amount for a task done late or not at all; none: per_violation",
    )
    part_of: dict[Slug, str] = Field(
        default={},
        description="per class the item does not apply to, the item its acts are scored under instead",
    )
    weekly_posts: dict[Slug, WeeklyPosts] = {}

    @field_validator("per_violation", "late_task")
    @classmethod
    def _deducts(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else _at_most_zero(value)

    @field_validator("per_merit", "weight")
    @classmethod
    def _adds(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError(f"不能为负数，而不是 {value} (must not be negative)")
        return value

    @model_validator(mode="after")
    def _bounded(self) -> Item:
        if self.basis == "deduction" and self.weight is None:
            raise ValueError(
                "扣分制项目须有分值 weight 以供扣减 "
                "(a deduction item needs a weight to deduct from)"
            )
        if self.weight is not None and self.floor > self.weight:
            raise ValueError(
                f"下限 floor（{self.floor}）高于分值 weight（{self.weight}）(floor is above the weight)"
            )
        if self.late_task is not None and self.basis != "deduction":
            raise ValueError(
                "late_task 只用于扣分制项目（basis = 'deduction'）('late_task' is a deduction item's amount)"
            )
        applies = set(self.classes or ())
        if self.classes is None and self.part_of:
            raise ValueError(
                "part_of 列出的是本项目不适用的类别：请给出 classes "
                "('part_of' names classes the item does not apply to)"
            )
        if applies & set(self.part_of):
            raise ValueError(
                "part_of 列出了本项目本身适用的类别 "
                "('part_of' names a class the item applies to itself)"
            )
        return self

    @property
    def in_base(self) -> bool:
        return self.basis != "bonus" and self.weight is not None


class Group(ClauseBase):
    """The items naming this group together stay within a cap and a floor (e.g. 加分项累计最高5分)."""

    kind: Literal["group"]
    group: Slug
    cap: Points | None = None
    floor: Points | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Group:
        _check_bounds(self.cap, self.floor)
        return self


class Bounds(ClauseBase):
    """A cadence period's whole total stays within a cap and a floor."""

    kind: Literal["bounds"]
    cap: Points | None = None
    floor: Points | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Bounds:
        _check_bounds(self.cap, self.floor)
        return self


class Veto(ClauseBase):
    """一票否决: a violation recorded under this clause's id zeroes the cadence period's total."""

    kind: Literal["veto"]
    fed_by: ClassVar[tuple[str, ...]] = ("violation.recorded",)


class Conversion(ClauseBase):
    """A metric: the total converted to a weight (折算), total × weight / base; the base is given, or is the
    unit's own (its applicable items' weights, those that do not apply left out)."""

    kind: Literal["conversion"]
    metric: Slug
    weight: Points | dict[Slug, Points]
    base: Points | None = Field(default=None, gt=0)

    def weight_for(self, cls: str | None) -> Decimal | None:
        if isinstance(self.weight, dict):
            return self.weight.get(cls or "")
        return self.weight


class Eligibility(ClauseBase):
    """A flag (by default eligible_for_award) that turns false when an item scores below a mark, or when
    any of the named clauses holds an act in the period."""

    kind: Literal["eligibility"]
    flag: Slug = "eligible_for_award"
    item: str | None = None
    below: Points | None = None
    clauses: list[str] = []

    @model_validator(mode="after")
    def _one_rule(self) -> Eligibility:
        if (self.item is None) != (self.below is None):
            raise ValueError("item 与 below 须一并给出 (give 'item' and 'below' together)")
        if (self.item is None) == (not self.clauses):
            raise ValueError(
                "item（及 below）与 clauses 须且只须给出一个 "
                "(give exactly one of 'item' or 'clauses')"
            )
        return self


class Threshold(ClauseBase):
    """Points for a cadence period in which a unit filed (or had adopted) at least so many reports."""

    kind: Literal["threshold"]
    measure: Literal["filed", "adopted"]
    at_least: Count = Field(ge=1)
    points: Points
    classes: list[Slug] | None = None
    publications: list[Slug] | None = None

    @model_validator(mode="after")
    def _publications(self) -> Threshold:
        if self.publications is not None and self.measure != "adopted":
            raise ValueError(
                "publications 只用于 measure = 'adopted' "
                "('publications' is only for measure 'adopted')"
            )
        return self


class NoFiling(ClauseBase):
    """A cadence period with no report filed: a line (通报批评), and a flag once `run` come in a row."""

    kind: Literal["no_filing"]
    points: Points = Decimal(0)
    run: Count = Field(ge=1)
    flag: Slug


class Stipend(ClauseBase):
    """Yuan per point of a cadence period's points, for a unit of a class reaching its threshold."""

    kind: Literal["stipend"]
    metric: Slug
    per_point: Points
    at_least: dict[Slug, Points]


Clause = Annotated[
    FilingQuota
    | QuotaCriticism
    | Adoption
    | Endorsement
    | PerAct
    | LateNotice
    | PerformanceAdjustment
    | Reward
    | Deductions
    | Item
    | Group
    | Bounds
    | Veto
    | Conversion
    | Eligibility
    | Threshold
    | NoFiling
    | Stipend,
    Field(discriminator="kind"),
]


def _at_most_zero(value: Decimal) -> Decimal:
    if value > 0:
        raise ValueError(f"用于扣分，不能为正数，而不是 {value} (takes points off, so must not be positive)")
    return value


def _check_bounds(cap: Decimal | None, floor: Decimal | None) -> None:
    if cap is None and floor is None:
        raise ValueError("须给出上限 cap、下限 floor 或两者 (give a 'cap', a 'floor' or both)")
    if cap is not None and floor is not None and floor > cap:
        raise ValueError(f"下限 floor（{floor}）高于上限 cap（{cap}）(floor is above the cap)")


# --- grade bands (考核等次) ----------------------------------------------------------------------------


class Band(Strict):
    grade: str = Field(min_length=1)
    at_least: Points | None = Field(default=None, description="none: the band below every other")


class Grades(Bilingual):
    """Named grade bands over the total (or a metric): the first band whose mark the value reaches."""

    name: str = Field(min_length=1)
    wording: str = Field(min_length=1, description="the seed's own sentence")
    reading: Reading = None
    reading_en: ReadingEn = None
    of: str = Field(default="total", description="'total' or the name of a metric")
    bands: list[Band] = Field(min_length=2)

    @field_validator("bands")
    @classmethod
    def _ordered(cls, bands: list[Band]) -> list[Band]:
        *upper, last = bands
        if any(b.at_least is None for b in upper):
            raise ValueError("只有最后一档可以不给 at_least (only the last band may leave out 'at_least')")
        if last.at_least is not None:
            raise ValueError("最后一档包含其下所有分数，不给 at_least (the last band has no 'at_least')")
        marks = [b.at_least for b in upper if b.at_least is not None]
        if any(lo >= hi for hi, lo in itertools.pairwise(marks)):
            raise ValueError(
                "各档须从最高分往下排列，每档低于前一档 "
                "(bands must run from the highest mark down)"
            )
        grades = [b.grade for b in bands]
        if len(set(grades)) != len(grades):
            raise ValueError("每个等次只能出现一次 (each grade must be named once)")
        return bands

    def grade(self, value: Decimal) -> str:
        for band in self.bands:
            if band.at_least is None or value >= band.at_least:
                return band.grade
        raise AssertionError("the last band has no mark")  # pragma: no cover


class Ranking(Bilingual):
    """What units are ranked on: their totals, or each total as a share of the unit's own base (the
    weights of the items that apply to it), where units are assessed on different bases."""

    by: Literal["total", "share_of_base"]
    wording: str = Field(min_length=1, description="the seed's own sentence")
    reading: Reading = None
    reading_en: ReadingEn = None


class RulebookModel(Bilingual):
    id: Slug
    version: Count = Field(ge=1)
    title: str
    document: str
    issuer: str
    seed: str | None = None
    effective_from: dt.date
    effective_to: dt.date | None = None
    cadence: Literal["month", "quarter", "half", "year"]
    notes: Prose | None = Field(default=None, description="what the rulebook reads and leaves out (Chinese)")
    notes_en: Prose | None = Field(default=None, description="the same notes in English")
    classes: dict[Slug, UnitClass]
    publications: dict[Slug, Publication] = {}
    clauses: list[Clause] = Field(min_length=1)
    grades: Grades | None = None
    ranking: Ranking | None = None

    @field_validator("classes", "publications", "clauses", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any) -> Any:
        if isinstance(value, dict | list) and len(value) > MAX_ENTRIES:
            raise ValueError(
                f"条目过多：至多 {MAX_ENTRIES} 项 (at most {MAX_ENTRIES} entries), not {len(value)}"
            )
        return value

    @field_validator("effective_to")
    @classmethod
    def _window(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("effective_from")
        if end is not None and start is not None and end < start:
            raise ValueError(
                f"失效日 effective_to（{end}）早于生效日 effective_from（{start}）"
                "(effective_to is before effective_from)"
            )
        return end

    @field_validator("clauses")
    @classmethod
    def _unique_ids(cls, clauses: list[Clause]) -> list[Clause]:
        ids = [c.id for c in clauses]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"条款 id 不能重复；重复的有：{'、'.join(dupes)} (clause ids must be unique)")
        return clauses

    @field_validator("clauses")
    @classmethod
    def _references(cls, clauses: list[Clause], info: ValidationInfo) -> list[Clause]:
        """Classes, items, groups and clauses named by a clause must exist in the rulebook."""
        known = set(info.data.get("classes") or {})
        items = {c.id for c in clauses if isinstance(c, Item)}
        groups = {c.group for c in clauses if isinstance(c, Group)}
        ids = {c.id for c in clauses}
        for place, c in enumerate(clauses):
            named: dict[str, Iterable[str]] = {}
            if isinstance(c, Item):
                named = {"classes": c.classes or (), "exemptible": c.exemptible}
                named["weekly_posts"] = c.weekly_posts
                named["part_of"] = c.part_of
                if c.group is not None and c.group not in groups:
                    raise ValueError(
                        f"clauses[{place}].group：没有项目组 {c.group!r} 的条款 "
                        f"(no group clause for {c.group!r})"
                    )
                for name, target in c.part_of.items():
                    whole = next((i for i in clauses if isinstance(i, Item) and i.id == target), None)
                    where = f"clauses[{place}].part_of.{name}"
                    if whole is None or whole is c:
                        raise ValueError(f"{where}：{target!r} 不是另一个考核项目 (is not another item)")
                    if whole.classes is not None and name not in whole.classes:
                        raise ValueError(
                            f"{where}：{target!r} 不适用于 {name!r} "
                            f"(does not apply to {name!r})"
                        )
            elif isinstance(c, Threshold):
                named = {"classes": c.classes or ()}
            elif isinstance(c, Stipend):
                named = {"at_least": c.at_least}
            elif isinstance(c, Conversion) and isinstance(c.weight, dict):
                named = {"weight": c.weight}
            elif isinstance(c, Eligibility):
                if c.item is not None and c.item not in items:
                    raise ValueError(
                        f"clauses[{place}].item：{c.item!r} 不是本办法的考核项目 "
                        "(is not an item of this rulebook)"
                    )
                for other in c.clauses:
                    if other not in ids:
                        raise ValueError(
                            f"clauses[{place}].clauses：没有条款 {other!r} "
                            f"(no clause {other!r})"
                        )
            for key, classes in named.items():
                for name in classes:
                    if name not in known:
                        listed = "、".join(sorted(known))
                        raise ValueError(
                            f"clauses[{place}].{key}：未知的单位类别 {name!r}（可用：{listed}）"
                            f"(unknown class {name!r})"
                        )
        return clauses

    @field_validator("grades")
    @classmethod
    def _graded_value(cls, grades: Grades | None, info: ValidationInfo) -> Grades | None:
        clauses = info.data.get("clauses")
        if grades is None or grades.of == "total" or clauses is None:
            return grades
        metrics = {getattr(c, "metric", None) for c in clauses}
        if grades.of not in metrics:
            raise ValueError(
                f"of：{grades.of!r} 既不是 'total' 也不是本办法的指标 "
                "(is neither 'total' nor a metric)"
            )
        return grades

    @model_validator(mode="after")
    def _consistent(self) -> RulebookModel:
        assert self.cadence in CADENCES
        return self


@dataclass(frozen=True)
class Rulebook:
    """A loaded rulebook version with its identity (id, version, sha256) and where it came from."""

    model: RulebookModel
    sha256: str
    source: str

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def version(self) -> int:
        return self.model.version

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def in_effect(self, day: dt.date) -> bool:
        end = self.model.effective_to
        return self.model.effective_from <= day and (end is None or day <= end)

    def in_effect_within(self, start: dt.date, end: dt.date) -> bool:
        """Whether the version is in effect on some day from `start` to `end`."""
        last = self.model.effective_to
        return self.model.effective_from <= end and (last is None or start <= last)

    def identity(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "sha256": self.sha256}

    def describe(self) -> dict[str, Any]:
        m = self.model
        return {
            **self.identity(),
            "title": m.title,
            "document": m.document,
            "effective_from": m.effective_from.isoformat(),
            "effective_to": m.effective_to.isoformat() if m.effective_to else None,
            "cadence": m.cadence,
        }


def parse_rulebook(content: bytes, source: str) -> Rulebook:
    """Validate a rulebook's bytes; RulebookError names the source and the offending key (or line)."""
    if len(content) > MAX_BYTES:
        # (a file is read no further than one byte past the limit, so its whole size is not known here)
        too_large = f"超过 {MAX_BYTES // 1024} KiB (a rulebook is at most {MAX_BYTES} bytes)"
        raise RulebookError(f"{source}: {too_large}")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RulebookError(
            f"{source}: 不是 UTF-8 文本（第 {e.start} 字节：{e.reason}）(not UTF-8 text)"
        ) from None
    fault = nesting_fault(text)
    if fault is not None:
        raise RulebookError(f"{source}: {fault}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RulebookError(f"{source}: 不是有效的 TOML (not valid TOML): {e}") from None
    except RecursionError:  # tomllib recurses into nested values; nesting_fault stops them long before
        raise RulebookError(f"{source}: 嵌套过深 (nested too deeply)") from None
    try:
        model = RulebookModel.model_validate(data)
    except ValidationError as e:
        problems = "；".join(f"键 '{_path(err['loc'])}'：{validation.message(err)}" for err in e.errors())
        raise RulebookError(f"{source}: {problems}") from None
    return Rulebook(model, hashlib.sha256(content).hexdigest(), source)


def load_rulebook(path: Path) -> Rulebook:
    try:
        with path.open("rb") as file:
            content = file.read(MAX_BYTES + 1)  # enough to tell a file too large, and no more
    except OSError as e:
        raise RulebookError(f"{path}: 无法读取（{e.strerror}）(cannot be read)") from None
    return parse_rulebook(content, str(path))


def source_text(book: Rulebook) -> str:
    """The TOML text of a rulebook loaded from a file, as it was when loaded (the what-if editor edits it)."""
    try:
        with Path(book.source).open("rb") as file:
            content = file.read(MAX_BYTES + 1)
    except OSError as e:
        raise RulebookError(f"{book.source}: cannot be read ({e.strerror})") from None
    if hashlib.sha256(content).hexdigest() != book.sha256:
        raise RulebookError(f"{book.source}: 文件在载入后已改动 (changed since it was loaded)")
    return content.decode("utf-8")


def _path(loc: Iterable[Any]) -> str:
    """A pydantic error location as a key path: `clauses[3].points` (the union's tag left out)."""
    out, previous = "", None
    for part in loc:
        if part == "[key]":
            continue  # the dict key itself is wrong: the path already ends with it
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and "[" in part:
            continue  # a union member's tag, e.g. `function-before[...]`: not a key of the file
        elif not (isinstance(previous, int) and part in CLAUSE_KINDS):
            out += f".{part}" if out else str(part)
        previous = part
    return out


CLAUSE_KINDS = {
    "filing_quota", "quota_criticism", "adoption", "endorsement", "excellent", "commission_missed",
    "criticism", "late_notice", "performance_adjustment", "reward", "deductions", "item", "group", "bounds",
    "veto", "conversion", "eligibility", "threshold", "no_filing", "stipend",
}  # fmt: skip


def shipped_directory() -> Path:
    """The rulebooks shipped with the package (the repository's `rulebooks/` in a source checkout)."""
    packaged = resources.files("ledger") / "_rulebooks"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rulebooks"


@dataclass(frozen=True)
class Selection:
    """The rulebook versions that score a request: a whole family by window, or one pinned version."""

    versions: tuple[Rulebook, ...]
    pinned: bool

    def for_day(self, day: dt.date) -> Rulebook | None:
        if self.pinned:
            return self.versions[0]
        for book in reversed(self.versions):
            if book.in_effect(day):
                return book
        return None

    @property
    def latest(self) -> Rulebook:
        return self.versions[-1]


class Catalogue:
    """Every rulebook the ledger knows, by family and version."""

    def __init__(self, books: Iterable[Rulebook]) -> None:
        self.families: dict[str, list[Rulebook]] = {}
        for book in books:
            family = self.families.setdefault(book.id, [])
            if any(b.version == book.version for b in family):
                raise RulebookError(f"{book.source}: {book.ref} 重复定义 (is defined twice)")
            family.append(book)
        for family in self.families.values():
            family.sort(key=lambda b: b.version)

    @classmethod
    def load(cls, directories: Iterable[Path] | None = None) -> Catalogue:
        dirs = list(directories) if directories is not None else default_directories()
        return cls(load_rulebook(p) for d in dirs for p in sorted(d.glob("*.toml")))

    def all(self) -> list[Rulebook]:
        return [b for family in sorted(self.families) for b in self.families[family]]

    def publications(self) -> set[str]:
        return {p for b in self.all() for p in b.model.publications}

    def items(self) -> dict[str, frozenset[str]]:
        """Every clause id an act may name as its `item`, in any version of any rulebook, with the act types
        that feed it: an item (考核项目) is fed by violations, merits, exemptions and tasks, a veto
        (一票否决) by violations only."""
        fed: dict[str, set[str]] = {}
        for book in self.all():
            for clause in book.model.clauses:
                if isinstance(clause, Item | Veto):
                    fed.setdefault(clause.id, set()).update(clause.fed_by)
        return {item: frozenset(kinds) for item, kinds in fed.items()}

    def select(self, name: str) -> Selection:
        """`ID` (every version in its window) or `ID@VERSION` (that version, for any period)."""
        family_id, _, version = name.partition("@")
        family = self.families.get(family_id)
        if family is None:
            known = "、".join(sorted(self.families)) or "无"
            raise NotFound(f"未知的考核办法 {family_id!r}（可用：{known}）(unknown rulebook)")
        if not version:
            return Selection(tuple(family), pinned=False)
        for book in family:
            if str(book.version) == version:
                return Selection((book,), pinned=True)
        versions = "、".join(str(b.version) for b in family)
        raise NotFound(
            f"考核办法 {family_id!r} 没有版本 {version!r}（现有版本：{versions}）"
            f"(rulebook {family_id!r} has no version {version!r})"
        )


def default_directories() -> list[Path]:
    extra = os.environ.get("LEDGER_RULEBOOKS_PATH", "")
    return [shipped_directory(), *(Path(p) for p in extra.split(os.pathsep) if p)]


def lookup_level(table: Mapping[Any, Points], level: str) -> Points | None:
    """A level's entry, where 自治区 (region) and 省 (province) stand for the same tier."""
    if level in table:
        return table[level]
    alias = {"region": "province", "province": "region"}.get(level)
    return table.get(alias) if alias else None
