"""RFC 9457 problem details: the one error shape of the API. No stack trace or path ever leaves."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from kernel.errors import (
    CairnError,
    ConfigError,
    CorpusNotApprovedError,
    ManifestError,
    NotFoundError,
    SwitchedOffError,
    ToolRefusedError,
    UnknownSwitchError,
)

log = logging.getLogger("cairn.api")
MEDIA = "application/problem+json"


class ProblemError(CairnError):
    """An HTTP-level refusal with its status; rendered as RFC 9457 problem details."""

    code = "http_problem"

    def __init__(self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers, extra
        super().__init__(detail or title)


def problem(request: Request, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    body = {"type": f"https://cairn.dev/problems/{title.lower().replace(' ', '-')}", "title": title,
            "status": status, "detail": detail, "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


_STATUS = {NotFoundError: 404, CorpusNotApprovedError: 409, ManifestError: 422,
           ConfigError: 400, UnknownSwitchError: 422, SwitchedOffError: 503}


_REFUSAL_STATUS = {"forbidden": 403, "invalid_arguments": 422, "budget_exceeded": 429, "loop_detected": 429,
                   "deadline_exceeded": 504, "timeout": 504, "tool_disabled": 503, "circuit_open": 503,
                   "cancelled": 499, "tool_error": 500, "transient_error": 503, "output_too_large": 413}


def install(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem(request, exc.status, exc.title, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
                  for e in exc.errors()]
        return problem(request, 422, "Invalid request", "some fields are invalid", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden",
                  413: "Payload too large"}
        # Keep the exception's headers: a 405 must say which methods are Allowed.
        return problem(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail or ""),
                       headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(ToolRefusedError)
    async def _refused(request: Request, exc: ToolRefusedError) -> JSONResponse:
        status = _REFUSAL_STATUS.get(exc.reason_code, 403)
        return problem(request, status, "Refused", str(exc), None, reason=exc.reason_code)

    @app.exception_handler(CairnError)
    async def _cairn(request: Request, exc: CairnError) -> JSONResponse:
        status = next((s for t, s in _STATUS.items() if isinstance(exc, t)), 400)
        extra = {"errors": exc.problems} if isinstance(exc, ManifestError) else {}
        detail = "not found" if status == 404 else str(exc)
        return problem(request, status, exc.code.replace("_", " ").capitalize(), detail, None, **extra)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(request, 500, "Internal error", "the server failed to handle this request")


class ProblemOut(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[Any] | None = None


def _doc(description: str) -> dict[str, Any]:
    return {"description": description, "model": ProblemOut,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _doc("Missing or invalid credentials"),
    403: _doc("The caller's role may not do this"),
    404: _doc("Not found (or not visible to the caller)"),
    409: _doc("Conflict: the corpus is not approved, or a request with this Idempotency-Key is still running"),
    413: _doc("Body too large"),
    422: _doc("Invalid request, with field-level errors"),
    429: _doc("Rate limited; see Retry-After"),
    503: _doc("Too many requests in flight; retry shortly"),
    504: _doc("The request took too long"),
}
