"""Checkpoints against the store: signing the chain as it verifies, and verifying it against checkpoints.

A checkpoint is signed only over a chain that verifies up to its position: signing a rewritten history
would launder it. `audit` walks the chain once with every accepted checkpoint as an anchor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.checkpoints import Checkpoint, sign, signature_fault
from ledger.errors import LedgerError
from ledger.store.base import Store, utc_now
from ledger.store.chain import ChainCheck, check
from ledger.store.checkpoints import KnownCheckpoints


class Altered(LedgerError):
    """The chain does not verify: nothing may be signed over it."""

    def __init__(self, found: ChainCheck) -> None:
        super().__init__(f"位置 {found.broken}：{found.what}（之前 {found.checked} 条核验无误）")
        self.found = found


def take(
    store: Store,
    key: Ed25519PrivateKey,
    *,
    upto: int | None = None,
    ledger: str | None = None,
    clock: Callable[[], str] = utc_now,
) -> Checkpoint:
    """Sign the chain at its head (or at position `upto`) once it verifies up to there."""
    found = check(store, {}, upto)
    if found.broken is not None:
        raise Altered(found)
    if not found.checked:
        raise LedgerError("账本为空：没有可签署的位置")
    made = sign(key, found.checked, found.chain, found.recorded_at, clock(), ledger)
    KnownCheckpoints(store).keep(made)
    return made


@dataclass
class Audit:
    """The chain checked against checkpoints: `where` names each checkpoint (its file)."""

    found: ChainCheck
    signatures_checked: bool
    refused: list[tuple[str, str]] = field(default_factory=list)  # (where, why): bad signatures
    contradicted: list[str] = field(default_factory=list)  # checkpoints the stored history disagrees with
    anchored: list[Checkpoint] = field(default_factory=list)  # the checkpoints the chain was checked against

    @property
    def ok(self) -> bool:
        return self.found.broken is None and not self.refused and not self.contradicted


def audit(
    store: Store, checkpoints: Sequence[tuple[str, Checkpoint]], keys: Sequence[Ed25519PublicKey]
) -> Audit:
    """Check each checkpoint's signature (when `keys` are given) and the chain against every accepted one,
    those given and those the ledger keeps; a checkpoint at or after the first position found broken is
    contradicted by the stored history."""
    accepted: list[tuple[str, Checkpoint]] = []
    refused: list[tuple[str, str]] = []
    given = {checkpoint.signature for _, checkpoint in checkpoints}
    known = [(where, c) for where, c in KnownCheckpoints(store).all() if c.signature not in given]
    for where, checkpoint in [*checkpoints, *known]:
        fault = signature_fault(checkpoint, keys) if keys else None
        if fault:
            refused.append((where, fault))
        else:
            accepted.append((where, checkpoint))
    anchors: dict[int, str] = {}
    for _, checkpoint in sorted(accepted, key=lambda item: item[1].position):
        anchors.setdefault(checkpoint.position, checkpoint.chain)
    found = check(store, anchors)
    broken = found.broken
    contradicted = [
        where
        for where, c in accepted
        if (broken is not None and c.position >= broken) or c.chain != anchors[c.position]
    ]
    return Audit(found, bool(keys), refused, contradicted, [c for _, c in accepted])
