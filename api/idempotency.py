"""Idempotency-Key: a retried POST with the same key returns the first response instead of acting twice."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from fastapi import Request

from api.problems import ProblemError
from api.state import AppState
from kernel.types import Principal


def replay_or_run(state: AppState, who: Principal, request: Request, key: str | None,
                  run: Callable[[], tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    if not key:
        return run()[1]
    scoped = f"{who.user_id}:{request.method}:{request.url.path}:{key}"[:300]
    fingerprint = hashlib.sha256(scoped.encode()).hexdigest()
    found = state.services.store.idempotent_response(scoped)
    if found is not None:
        if found.fingerprint != fingerprint:
            raise ProblemError(422, "Idempotency key reused", "this key was used for another request")
        request.state.replayed = True
        return found.body
    status, body = run()
    state.services.store.save_idempotent_response(scoped, fingerprint, status, body)
    return body
