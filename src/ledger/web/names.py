"""The names a reader meets where the ledger keeps codes: units (兴庆区, not xingqing), unit classes
(县(市)区, not county) and publications (《银川政务信息》, not yinchuan-zwxx).

Class and publication names come from the rulebook picked, then from any other version in the
catalogue; unit names from the units' registrations. A code nothing names is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ledger.rulebooks import Catalogue, Rulebook


@dataclass(frozen=True)
class Names:
    units: Mapping[str, str] = field(default_factory=dict)
    classes: Mapping[str, str] = field(default_factory=dict)
    publications: Mapping[str, str] = field(default_factory=dict)

    def unit(self, slug: str) -> str:
        return self.units.get(slug, slug)

    def unit_class(self, slug: str) -> str:
        return self.classes.get(slug, slug)

    def publication(self, slug: str) -> str:
        return self.publications.get(slug, slug)


def names_of(
    catalogue: Catalogue, units: Mapping[str, Mapping[str, object]], book: Rulebook | None = None
) -> Names:
    """The names of `units` (as `Ledger.units` gives them), and the classes and publications of `book`
    first and of the whole catalogue after it."""
    books = ([book] if book else []) + catalogue.all()
    classes: dict[str, str] = {}
    publications: dict[str, str] = {}
    for b in books:
        for slug, unit_class in b.model.classes.items():
            classes.setdefault(slug, unit_class.name)
        for slug, publication in b.model.publications.items():
            publications.setdefault(slug, publication.name)
    return Names({slug: str(u["name"]) for slug, u in units.items()}, classes, publications)
