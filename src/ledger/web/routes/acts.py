"""An act's own address (/acts/ID): a redirect to the page that lists it, its unit's page at the cadence
period it happened in, scrolled to it. An explanation links here for an act that is not on its own page:
another period's, or another unit's (an endorsement of a report another unit filed). A unit token is sent
only to its own unit's acts: another unit's act is answered as one that does not exist (404), so the
answer tells it nothing of the ids other units use.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ledger.api.deps import LedgerDep
from ledger.errors import LedgerError, NotFound
from ledger.ownership import find_act, owner_of
from ledger.web.forms import picks_from
from ledger.web.present import act_href, cadence_period_of
from ledger.web.routes.auth import ViewerDep
from ledger.web.templating import PageError, PageRoute, Redirect

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NOT_OWN = "本单位没有编号为 {act} 的记录（单位令牌只能查看本单位的记录）。"


@router.get("/acts/{act_id:path}")
def act_page(act_id: str, request: Request, ledger: LedgerDep, viewer: ViewerDep) -> Response:
    picks, problems = picks_from(request.query_params, ledger)
    if problems:
        raise PageError(400, "；".join(problems), viewer)
    try:
        act = find_act(ledger, act_id, picks.known_at or None)
        owner = owner_of(ledger, act, picks.known_at or None)
        cadence = ledger.catalogue.select(picks.rulebook).latest.model.cadence
    except NotFound as e:
        raise PageError(404, NOT_OWN.format(act=act_id) if viewer.unit else str(e), viewer) from None
    except LedgerError as e:
        raise PageError(400, str(e), viewer) from None
    if viewer.unit is not None and owner != viewer.unit:
        raise PageError(404, NOT_OWN.format(act=act_id), viewer)
    if owner is None:
        raise PageError(404, f"记录 {act_id} 不属于任何单位，没有单位页面可以显示它。", viewer)
    period = cadence_period_of(act.occurred_on, cadence)
    # An as-of date before the act would leave it out of the page's period: the period's default then.
    as_of = picks.as_of if picks.as_of and picks.as_of >= act.occurred_on.isoformat() else ""
    raise Redirect(f"/units/{owner}?{picks.query(period=period, as_of=as_of)}{act_href(act.id)}")
