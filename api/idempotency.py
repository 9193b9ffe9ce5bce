"""Idempotency-Key: a retried POST with the same key and body returns the first response instead of acting
twice. The same key with another body is a client bug (422); a key whose first request is still running
answers 409; keys expire after `idempotency_ttl_s`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request

from api.problems import ProblemError
from api.state import AppState
from kernel.types import Principal


def body_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay_or_run(state: AppState, who: Principal, request: Request, key: str | None, body: Any,
                  run: Callable[[], tuple[int, dict[str, Any]]]) -> tuple[int, dict[str, Any]]:
    """The status and body of the first request with this key (running `run` if there was none)."""
    if not key:
        return run()
    store = state.services.store
    scoped = f"{who.user_id}:{request.method}:{request.url.path}:{key}"[:300]
    fingerprint = body_fingerprint(body)
    found = store.access.claim_idempotency(scoped, fingerprint, state.settings.idempotency_ttl_s,
                                           state.settings.request_timeout_s)
    if found is not None:
        if found.fingerprint != fingerprint:
            raise ProblemError(422, "Idempotency key reused", "this key was used with another request body")
        if found.status == 0:
            raise ProblemError(409, "Request in progress", "a request with this key is still running; "
                               "retry when it has finished", headers={"Retry-After": "1"})
        request.state.replayed = True
        return found.status, found.body
    try:
        status, out = run()
    except BaseException:
        store.access.release_idempotency(scoped)
        raise
    store.access.finish_idempotency(scoped, status, out)
    return status, out
