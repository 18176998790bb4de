"""Rulebooks: versioned regulations as data (TOML), validated on load, identified by their sha256.

A rulebook file is data only: TOML has no includes and nothing in it is executed. Loading checks every key
and names the file and the key that is wrong. A family (one `id`) may have several versions, each with its
effective window; naming `ID@VERSION` pins one version for any period (a retroactive rule change).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ledger.acts import FORMS, LEVELS, SEVERITIES
from ledger.errors import NotFound, RulebookError
from ledger.periods import CADENCES

Level = Literal["national", "region", "province", "city", "district", "county"]
Severity = Literal["late", "missed", "concealed"]
FormKey = Literal["default", "item", "brief", "research", "combined"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


def _number(value: Any) -> Decimal:
    """Points are TOML numbers; a string or a boolean where points belong is a wrong type, not converted."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"must be a number, not {type(value).__name__}")
    return value if isinstance(value, Decimal) else Decimal(str(value))


Points = Annotated[Decimal, BeforeValidator(_number)]

assert set(get_args(Level)) == set(LEVELS) and set(get_args(Severity)) == set(SEVERITIES)
assert set(get_args(FormKey)) == {"default", *FORMS}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class UnitClass(Strict):
    name: str
    quota: int | None = Field(default=None, ge=0)


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


class ClauseBase(Strict):
    id: str = Field(min_length=1)
    wording: str = Field(min_length=1, description="the seed's own sentence")
    reading: str | None = Field(default=None, description="the reading chosen where it is ambiguous")


class FilingQuota(ClauseBase):
    kind: Literal["filing_quota"]
    met: Points
    missed: Points = Decimal(0)


class QuotaCriticism(ClauseBase):
    kind: Literal["quota_criticism"]
    run: int = Field(ge=1)
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
            raise ValueError("give exactly one of 'points' or 'adoption_multiple'")
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


Clause = Annotated[
    FilingQuota
    | QuotaCriticism
    | Adoption
    | Endorsement
    | PerAct
    | LateNotice
    | PerformanceAdjustment
    | Reward
    | Deductions,
    Field(discriminator="kind"),
]


class RulebookModel(Strict):
    id: Slug
    version: int = Field(ge=1)
    title: str
    document: str
    issuer: str
    seed: str | None = None
    effective_from: dt.date
    effective_to: dt.date | None = None
    cadence: Literal["month", "quarter", "half", "year"]
    notes: str | None = None
    classes: dict[Slug, UnitClass]
    publications: dict[Slug, Publication] = {}
    clauses: list[Clause] = Field(min_length=1)

    @field_validator("effective_to")
    @classmethod
    def _window(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("effective_from")
        if end is not None and start is not None and end < start:
            raise ValueError(f"effective_to ({end}) is before effective_from ({start})")
        return end

    @field_validator("clauses")
    @classmethod
    def _unique_ids(cls, clauses: list[Clause]) -> list[Clause]:
        ids = [c.id for c in clauses]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"clause ids must be unique; repeated: {', '.join(dupes)}")
        return clauses

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
    """Validate a rulebook's bytes; RulebookError names the source and the offending key."""
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise RulebookError(f"{source}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise RulebookError(f"{source}: not valid TOML: {e}") from None
    try:
        model = RulebookModel.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"key '{_path(err['loc'])}': {err['msg']}" for err in e.errors())
        raise RulebookError(f"{source}: {problems}") from None
    return Rulebook(model, hashlib.sha256(content).hexdigest(), source)


def load_rulebook(path: Path) -> Rulebook:
    try:
        content = path.read_bytes()
    except OSError as e:
        raise RulebookError(f"{path}: cannot be read ({e.strerror})") from None
    return parse_rulebook(content, str(path))


def _path(loc: Iterable[Any]) -> str:
    """A pydantic error location as a key path: `clauses[3].points` (the union's tag left out)."""
    out, previous = "", None
    for part in loc:
        if part == "[key]":
            continue  # the dict key itself is wrong: the path already ends with it
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (isinstance(previous, int) and part in CLAUSE_KINDS):
            out += f".{part}" if out else str(part)
        previous = part
    return out


CLAUSE_KINDS = {
    "filing_quota", "quota_criticism", "adoption", "endorsement", "excellent", "commission_missed",
    "criticism", "late_notice", "performance_adjustment", "reward", "deductions",
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
                raise RulebookError(f"{book.source}: {book.ref} is defined twice")
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

    def select(self, name: str) -> Selection:
        """`ID` (every version in its window) or `ID@VERSION` (that version, for any period)."""
        family_id, _, version = name.partition("@")
        family = self.families.get(family_id)
        if family is None:
            known = ", ".join(sorted(self.families)) or "none"
            raise NotFound(f"unknown rulebook {family_id!r} (known: {known})")
        if not version:
            return Selection(tuple(family), pinned=False)
        for book in family:
            if str(book.version) == version:
                return Selection((book,), pinned=True)
        versions = ", ".join(str(b.version) for b in family)
        raise NotFound(f"rulebook {family_id!r} has no version {version!r} (versions: {versions})")


def default_directories() -> list[Path]:
    extra = os.environ.get("LEDGER_RULEBOOKS_PATH", "")
    return [shipped_directory(), *(Path(p) for p in extra.split(os.pathsep) if p)]


def lookup_level(table: Mapping[Any, Points], level: str) -> Points | None:
    """A level's entry, where 自治区 (region) and 省 (province) stand for the same tier."""
    if level in table:
        return table[level]
    alias = {"region": "province", "province": "region"}.get(level)
    return table.get(alias) if alias else None
