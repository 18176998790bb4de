"""Whose an act is: the unit whose acts include it, as `Ledger.events(unit=...)` selects them.

An act naming a unit is that unit's; an act about a report (an adoption, an endorsement, a notice) is
the filing unit's, even when a combined adoption credits other units too; an act about a task is the
assigned unit's; a void is its target's. A unit's page lists its own acts, so this is where an act id
met elsewhere (another unit's explanation) is found.
"""

from __future__ import annotations

from ledger.acts import StoredAct
from ledger.errors import NotFound
from ledger.instants import parse_instant
from ledger.services import Ledger


def find_act(ledger: Ledger, act_id: str, known_at: str | None = None) -> StoredAct:
    """The stored act of an id, as known at `known_at`; NotFound names the id otherwise."""
    act = ledger.store.find(act_id)
    if act is None or (known_at and act.recorded_at > parse_instant(known_at)):
        raise NotFound(f"没有编号为 {act_id} 的记录 (no act {act_id!r})")
    return act


def owner_of(ledger: Ledger, act: StoredAct, known_at: str | None = None) -> str | None:
    """The unit the act belongs to, or None when nothing recorded ties it to one."""
    fields = act.fields
    if act.type == "event.voided":
        target = ledger.store.find(str(fields["target"]))
        return owner_of(ledger, target, known_at) if target is not None else None
    if "unit" in fields:
        return str(fields["unit"])
    for key, kind in (("report", "report.filed"), ("task", "task.assigned")):
        if key in fields:
            for origin in ledger.events(types=[kind], known_at=known_at):
                if origin.fields.get(key) == fields[key]:
                    return str(origin.fields["unit"])
    return None
