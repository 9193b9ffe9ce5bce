"""Request dependencies: the app state, and the principal (authenticated, then rate-limited per key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.auth import authenticate
from api.limits import retry_after
from api.problems import ProblemError
from api.state import AppState
from kernel.types import Principal


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.cairn
    return state


# Declared as security schemes, so /docs' Authorize button and generated clients can authenticate. Either
# one will do; neither raises here, so a missing credential gets the API's own 401 problem.
API_KEY = APIKeyHeader(name="X-API-Key", scheme_name="ApiKey", auto_error=False,
                       description="A Cairn API key (`cairn keys create`)")
BEARER = HTTPBearer(scheme_name="Bearer", auto_error=False,
                    description="A Cairn API key, or a JWT from the configured issuer")


def current_principal(
    request: Request,
    state: Annotated[AppState, Depends(app_state)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    x_api_key: Annotated[str | None, Depends(API_KEY)],
) -> Principal:
    # The guard authenticated from the headers before any body was read; ask again only off that path.
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None:
        authorization = f"Bearer {bearer.credentials}" if bearer is not None else None
        who = authenticate(state.services.store, state.verifier, authorization, x_api_key)
    wait = state.limiter.take(who.user_id)
    if wait > 0:
        raise ProblemError(429, "Too many requests", "rate limit reached for this key",
                      headers={"Retry-After": retry_after(wait)})
    request.state.principal = who
    return who


State = Annotated[AppState, Depends(app_state)]
Who = Annotated[Principal, Depends(current_principal)]
