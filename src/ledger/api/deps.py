"""Dependencies of the routes: the ledger, the caller's principal, and role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger.api.capacity import Capacity
from ledger.api.problems import Problem
from ledger.services import Ledger
from ledger.store.tokens import Tokens
from ledger.tokens import Principal

bearer = HTTPBearer(auto_error=False, description="A token made by `ledger token create`.")


def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def get_capacity(request: Request) -> Capacity:
    capacity: Capacity = request.app.state.capacity
    return capacity


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "需要令牌（Authorization: Bearer <token>）(a bearer token is required)")
    tokens: Tokens = request.app.state.tokens
    principal = tokens.authenticate(credentials.credentials)
    if principal is None:
        raise Problem(401, "令牌不存在或已吊销 (the bearer token is unknown or revoked)")
    request.state.principal = principal
    return principal


def reader(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.role == "admin":
        raise Problem(
            403,
            "管理员角色只管理令牌，不读行为和得分 "
            "(the admin role manages tokens and reads no acts or scores)",
        )
    return principal


def operator(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    """Who may read the service's metrics: the office, auditor and admin roles (not a unit)."""
    if principal.unit is not None:
        raise Problem(
            403,
            "运行指标仅供信息科、审计和管理员角色 "
            "(the metrics are for the office, auditor and admin roles)",
        )
    return principal


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
CapacityDep = Annotated[Capacity, Depends(get_capacity)]
OperatorDep = Annotated[Principal, Depends(operator)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
ReaderDep = Annotated[Principal, Depends(reader)]


def own_unit(principal: Principal, unit: str | None) -> str | None:
    """The unit a reader may see: any for office and auditor, only its own for a unit token."""
    if principal.unit is None:
        return unit
    if unit is not None and unit != principal.unit:
        raise Problem(
            403,
            f"单位 {principal.unit!r} 的令牌不能读取单位 {unit!r} "
            "(a unit token reads its own unit only)",
        )
    return principal.unit
