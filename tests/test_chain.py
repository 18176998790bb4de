"""The hash chain over stored acts, on both backends."""

from __future__ import annotations

from ledger.services import Ledger


def test_chain_links_every_act_and_verifies(ledger: Ledger) -> None:
    """Each stored act carries a hash linking it to the one before; an untouched ledger verifies."""
    ledger.append(
        [
            {"id": "u1", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq",
             "name": "兴庆区", "class": "county"},
            {"id": "f1", "type": "report.filed", "occurred_on": "2019-01-02", "unit": "xq",
             "report": "R1", "title": "标题"},
        ]
    )  # fmt: skip
    ledger.append([{"id": "c1", "type": "commission.missed", "occurred_on": "2019-02-01", "unit": "xq"}])
    acts = list(ledger.store.read())
    assert len({a.chain for a in acts}) == 3 and all(len(a.chain) == 64 for a in acts)
    assert ledger.store.verify() == (3, None, "the chain is intact")


def test_empty_ledger_verifies(ledger: Ledger) -> None:
    """An empty ledger's chain is trivially intact."""
    assert ledger.store.verify() == (0, None, "the chain is intact")
