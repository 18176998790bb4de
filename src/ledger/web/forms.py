"""What the pages' pickers and forms submit: parsed, bounded and checked before anything is scored.

A rulebook is picked from the catalogue only (`ID` or `ID@VERSION`): the services would also take a file
path, which a web form must never be able to name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request

from ledger.api.bodies import TooLarge, read_within
from ledger.errors import LedgerError
from ledger.instants import CHINA
from ledger.periods import parse_period
from ledger.rulebooks import Catalogue, Rulebook
from ledger.services import Ledger
from ledger.web import csrf
from ledger.web.templating import PageError

LIMITS = {"rulebook": 100, "period": 20, "as_of": 20, "known_at": 40}
MAX_FIELDS = 20


@dataclass(frozen=True)
class Picks:
    """The ranking's pickers: rulebook, period, as-of date and known-at time ("" for the default)."""

    rulebook: str
    period: str
    as_of: str = ""
    known_at: str = ""

    def query(self, **changes: str) -> str:
        fields = asdict(replace(self, **changes))
        return urlencode({k: v for k, v in fields.items() if v})

    @property
    def year(self) -> str:
        return self.period[:4]


def score_picked(
    ledger: Ledger, picks: Picks, unit: str | None
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The picked period's scores, the picked year's (for charts of the year) and the cadence."""
    as_of, known_at = picks.as_of or None, picks.known_at or None
    board = ledger.score(picks.rulebook, picks.period, as_of, known_at, unit)
    year = board["period"][:4]
    year_board = (
        board if board["period"] == year else ledger.score(picks.rulebook, year, as_of, known_at, unit)
    )
    cadence = ledger.catalogue.select(picks.rulebook).latest.model.cadence
    return board, year_board, cadence


def rulebook_choices(catalogue: Catalogue) -> list[tuple[str, str]]:
    """Every name a picker offers: each family by its effective windows, then each version pinned."""
    choices = []
    for family_id, versions in sorted(catalogue.families.items()):
        choices.append((family_id, f"{family_id} · {versions[-1].model.title}（按生效期间）"))
        choices += [(b.ref, f"{b.ref} · 第{b.version}版（固定此版本）") for b in versions]
    return choices


def book_of(catalogue: Catalogue, identity: Mapping[str, object]) -> Rulebook | None:
    """The catalogue's rulebook of a score's identity (id, version and sha256)."""
    for book in catalogue.families.get(str(identity.get("id")), ()):
        if book.version == identity.get("version") and book.sha256 == identity.get("sha256"):
            return book
    return None


def bounded(values: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The pickers' values (rulebook, period, as-of, known-at) stripped, an overlong one emptied and named
    among the problems: a value is refused whole, never cut to its limit and read as something else."""
    given, problems = {}, []
    for name, limit in LIMITS.items():
        value = values.get(name, "").strip()
        if len(value) > limit:
            problems.append(f"{name} 过长 (at most {limit} characters)")
            value = ""
        given[name] = value
    return given, problems


def picks_from(values: Mapping[str, str], ledger: Ledger) -> tuple[Picks, list[str]]:
    """The pickers' values with defaults for those left empty, and what is wrong with them."""
    given, problems = bounded(values)
    rulebook = given["rulebook"] or default_rulebook(ledger)
    if rulebook not in dict(rulebook_choices(ledger.catalogue)):
        known = ", ".join(sorted(ledger.catalogue.families))
        problems.append(f"未知的考核办法 unknown rulebook {rulebook!r} (known: {known})")
    period = given["period"] or default_year(ledger)
    return Picks(rulebook, period, given["as_of"], given["known_at"]), problems


def default_rulebook(ledger: Ledger) -> str:
    """The family whose unit classes best cover the registered units' classes."""
    classes = {u["class"] for u in ledger.units().values()}
    families = sorted(ledger.catalogue.families.items())
    if not families:
        return ""
    best = max(families, key=lambda item: len(classes & set(item[1][-1].model.classes)))
    return best[0]


def default_year(ledger: Ledger) -> str:
    """The year of the act stored last, or this year in China for an empty ledger."""
    position, _ = ledger.store.head()
    last = next(ledger.events(after=max(position - 1, 0)), None) if position else None
    return str(last.occurred_on.year if last else dt.datetime.now(CHINA).year)


def period_suggestions(period: str) -> list[str]:
    """Periods to offer beside the one picked: its year's year, halves, quarters and months."""
    try:
        year = parse_period(period).start.year
    except LedgerError:
        return []
    return (
        [str(year - 1), str(year), str(year + 1)]
        + [f"{year}-H{h}" for h in (1, 2)]
        + [f"{year}-Q{q}" for q in range(1, 5)]
        + [f"{year}-{m:02d}" for m in range(1, 13)]
    )


async def read_form(request: Request, limit: int, *, signing_in: bool = False) -> dict[str, str]:
    """An urlencoded form body of at most `limit` bytes (read no further than that), whose CSRF token is
    its session's (the sign-in form's own when `signing_in`)."""
    return checked_form(request, await read_body(request, limit), signing_in=signing_in)


async def read_body(request: Request, limit: int) -> bytes:
    """The body of an urlencoded form, at most `limit` bytes (read no further than that)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise PageError(415, "表单应以 application/x-www-form-urlencoded 提交。")
    try:
        return await read_within(request, limit)
    except TooLarge:
        raise PageError(413, f"提交的内容超过 {limit // 1024} KiB。") from None


def checked_form(
    request: Request, body: bytes, *, signing_in: bool = False, max_fields: int = MAX_FIELDS
) -> dict[str, str]:
    """The fields of an urlencoded form body, once its CSRF token is found to be its session's (the
    sign-in form's own when `signing_in`): every page form is read here, so every one is checked. Plain
    work, for a worker thread when the form is large (a pasted draft, the what-if editor's inputs)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        raise PageError(400, "表单内容无法解析。") from None
    form = dict(pairs)
    refusal = csrf.token_refusal(request, form, signing_in=signing_in)
    if refusal:
        raise PageError(403, refusal, title=csrf.REFUSED)
    form.pop(csrf.FIELD, None)
    return form
