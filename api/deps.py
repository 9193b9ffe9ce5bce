"""Request dependencies: the app state, and the principal (authenticated, then rate-limited per key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.auth import authenticate
from api.limits import retry_after
from api.problems import ProblemError
from api.state import AppState
from kernel.types import Principal


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.cairn
    return state


def current_principal(
    request: Request,
    state: Annotated[AppState, Depends(app_state)],
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(description="API key (or send it as a Bearer token)")] = None,
) -> Principal:
    # The guard authenticated from the headers before any body was read; ask again only off that path.
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None:
        who = authenticate(state.services.store, state.verifier, authorization, x_api_key)
    wait = state.limiter.take(who.user_id)
    if wait > 0:
        raise ProblemError(429, "Too many requests", "rate limit reached for this key",
                      headers={"Retry-After": retry_after(wait)})
    request.state.principal = who
    return who


State = Annotated[AppState, Depends(app_state)]
Who = Annotated[Principal, Depends(current_principal)]
