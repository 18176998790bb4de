"""What-if: the same acts under a base and a draft rulebook, unit by unit and clause by clause.

Nothing here reads or writes the ledger: it compares two score documents made from one replay.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from ledger.render import number
from ledger.rulebooks import MAX_BYTES, Rulebook

# Bytes of a draft rulebook sent to be compared (POST /v1/whatif, the what-if page): the limit of every
# rulebook text, which `parse_rulebook` (and so `ledger rulebook check`) holds to as well.
MAX_DRAFT = MAX_BYTES


def compare(base: dict[str, Any], draft: dict[str, Any]) -> dict[str, Any]:
    """Per unit: base and draft totals, the difference, both ranks and the rank change, and per clause
    the points under each rulebook. Units whose rank changes come first, the largest change first."""
    drafted = {u["unit"]: u for u in draft["units"]}
    units = []
    for b in base["units"]:
        d = drafted.get(b["unit"])
        if d is None:
            continue
        difference = Decimal(str(d["total"])) - Decimal(str(b["total"]))
        units.append(
            {
                "unit": b["unit"],
                "name": b["name"],
                "class": b["class"],
                "base_total": b["total"],
                "draft_total": d["total"],
                "difference": number(difference),
                "base_rank": b["rank"],
                "draft_rank": d["rank"],
                "rank_change": _rank_change(b["rank"], d["rank"]),
                "clauses": _clauses(b["lines"], d["lines"]),
            }
        )
    units.sort(key=_moved_first)
    return {
        "base": base["rulebook"],
        "draft": draft["rulebook"],
        "period": base["period"],
        "as_of": base["as_of"],
        "known_at": base["known_at"],
        "units": units,
    }


def _rank_change(base: int | None, draft: int | None) -> int | None:
    """Places gained; None when either side does not rank the unit (a class assessed apart)."""
    return None if base is None or draft is None else base - draft


def _moved_first(u: dict[str, Any]) -> tuple[int, bool, int, str]:
    moved, rank = u["rank_change"] or 0, u["draft_rank"]
    return -abs(moved), rank is None, rank or 0, u["unit"]


def _clauses(base: list[dict[str, Any]], draft: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Points per clause id under each rulebook, for the clauses whose points differ."""
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    wording: dict[str, str] = {}
    for side, lines in enumerate((base, draft)):
        for line in lines:
            clause = line["clause"]["id"]
            sums[clause][side] += Decimal(str(line["points"]))
            wording.setdefault(clause, line["clause"]["wording"])
    return [
        {
            "clause": {"id": clause, "wording": wording[clause]},
            "base": number(b),
            "draft": number(d),
            "difference": number(d - b),
        }
        for clause, (b, d) in sorted(sums.items())
        if b != d
    ]


def diff_rulebooks(a: Rulebook, b: Rulebook) -> list[dict[str, Any]]:
    """The clauses, classes and publications that differ between two rulebooks, key by key."""
    left, right = a.model.model_dump(mode="json"), b.model.model_dump(mode="json")
    changes: list[dict[str, Any]] = []
    for section in ("classes", "publications"):
        _diff_maps(changes, section, left[section], right[section])
    _diff_maps(
        changes,
        "clauses",
        {c["id"]: c for c in left["clauses"]},
        {c["id"]: c for c in right["clauses"]},
    )
    for key in ("effective_from", "effective_to", "cadence", "title", "document", "ranking"):
        if left[key] != right[key]:
            changes.append({"where": key, "change": "changed", "from": left[key], "to": right[key]})
    return changes


def _diff_maps(
    changes: list[dict[str, Any]], section: str, left: dict[str, Any], right: dict[str, Any]
) -> None:
    for key in sorted(set(left) | set(right)):
        where = f"{section}.{key}"
        if key not in right:
            changes.append({"where": where, "change": "removed", "from": left[key], "to": None})
        elif key not in left:
            changes.append({"where": where, "change": "added", "from": None, "to": right[key]})
        elif left[key] != right[key]:
            fields = sorted(
                k for k in set(left[key]) | set(right[key]) if left[key].get(k) != right[key].get(k)
            )
            changes.append(
                {
                    "where": where,
                    "change": "changed",
                    "fields": fields,
                    "from": {k: left[key].get(k) for k in fields},
                    "to": {k: right[key].get(k) for k in fields},
                }
            )
