"""The support console: server-rendered pages over the same functions (and ACL rules) as the API.

Sign-in takes an API key (or a JWT) and sets an HttpOnly, SameSite=Strict session cookie (Secure behind
TLS); every form carries a CSRF token. Only `support` and `admin` use the console. Document text is only
ever inserted as text (Jinja2 autoescaping, textContent in the script), and the CSP allows no inline script.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.auth import authenticate, credential_limits, key_active
from api.deps import State, app_state
from api.limits import auth_fail_key
from api.problems import ProblemError
from api.routes_support import (
    SUPPORT,
    answer_view,
    apply_ticket_change,
    get_source,
    verify_citations,
)
from api.schemas import CitationIn, TicketChange, VerifyIn
from api.state import AppState
from kernel.errors import CairnError
from kernel.store.base import utcnow
from kernel.types import Principal

HERE = Path(__file__).parent
COOKIE = "cairn_session"
TTL = timedelta(hours=8)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=str(HERE / "templates"))
static = StaticFiles(directory=str(HERE / "static"))


class Session:
    def __init__(self, who: Principal, csrf: str, id_hash: str) -> None:
        self.who, self.csrf, self.id_hash = who, csrf, id_hash


class LoginRequiredError(Exception):
    pass


class NotAllowedError(Exception):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_session(request: Request, state: Annotated[AppState, Depends(app_state)]) -> Session:
    token = request.cookies.get(COOKIE)
    store = state.services.store
    row = store.access.console_session(_hash(token)) if token else None
    if row is None:
        raise LoginRequiredError
    if row.key_id and not key_active(store, row.key_id):
        store.access.end_console_session(row.id_hash)  # the key behind it was revoked: so is the session
        raise LoginRequiredError
    who = Principal.stored(row.user_id, row.groups, row.role)
    if who.role not in SUPPORT:
        raise NotAllowedError
    return Session(who, row.csrf, row.id_hash)


Sess = Annotated[Session, Depends(current_session)]


def page(request: Request, name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
    resp = templates.TemplateResponse(request, name, ctx, status_code=code)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def check_csrf(session: Session, token: str) -> None:
    if not secrets.compare_digest(session.csrf, token):
        raise ProblemError(403, "Forbidden", "the form's CSRF token is missing or wrong")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html", error=None)


@router.post("/login", response_model=None)
def login(request: Request, state: State, api_key: Annotated[str, Form(max_length=2000)]) -> Response:
    fail_key = auth_fail_key(request.client.host if request.client else None)
    if state.auth_failures.peek(fail_key) > 0:
        return page(request, "login.html", 429, error="Too many failed sign-ins; wait a minute and try again.")
    try:
        who = authenticate(state.services.store, state.verifier, None, api_key.strip())
    except ProblemError:
        state.auth_failures.take(fail_key)
        return page(request, "login.html", 401, error="That key is not valid.")
    if who.role not in SUPPORT:
        return page(request, "forbidden.html", 403)
    token = secrets.token_urlsafe(32)
    key_id, credential_exp = credential_limits(api_key.strip())
    expires = min(utcnow() + TTL, credential_exp) if credential_exp else utcnow() + TTL
    state.services.store.access.add_console_session(
        _hash(token), user_id=who.user_id, groups=who.groups, role=who.role, csrf=secrets.token_urlsafe(24),
        expires_at=expires, key_id=key_id)
    resp = RedirectResponse("/console/answers", status_code=303)
    secure = state.settings.secure_cookies or request.url.scheme == "https"
    resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/console",
                    max_age=max(1, int((expires - utcnow()).total_seconds())))
    return resp


@router.post("/logout", response_model=None)
def logout(session: Sess, state: State, csrf: Annotated[str, Form()]) -> Response:
    check_csrf(session, csrf)
    state.services.store.access.end_console_session(session.id_hash)
    resp = RedirectResponse("/console/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/console")
    return resp


@router.get("", response_model=None)
@router.get("/", response_model=None)
def home() -> Response:
    return RedirectResponse("/console/answers", status_code=303)


@router.get("/answers", response_class=HTMLResponse)
def answers(request: Request, session: Sess, state: State, user: str = "", since: str = "",
            abstained: str = "", verdict: str = "") -> HTMLResponse:
    when, error = None, None
    if since:
        try:
            when = datetime.fromisoformat(since)
        except ValueError:
            error = f"'Since' must be a date such as 2026-01-31, not {since!r}; showing all dates."
    rows = state.services.store.records.answers(user_id=user or None, since=when,
                                                abstained={"yes": True, "no": False}.get(abstained), limit=200)
    items = []
    for r in rows:
        v = "abstained" if r.abstained else ("some_removed" if r.body.get("removed") else "all_supported")
        if not verdict or verdict == v:
            items.append({"id": r.id, "at": r.at, "user": r.user_id, "question": r.question, "verdict": v})
    return page(request, "answers.html", s=session, items=items, error=error,
                f={"user": user, "since": since, "abstained": abstained, "verdict": verdict})


@router.get("/answers/open", response_model=None)
def open_answer(session: Sess, id: str = "") -> Response:
    return RedirectResponse(f"/console/answers/{id.strip()}", status_code=303)


@router.get("/answers/{answer_id}", response_class=HTMLResponse)
def answer(request: Request, answer_id: str, session: Sess, state: State) -> HTMLResponse:
    try:
        view = answer_view(state, session.who, answer_id)
    except ProblemError:
        return page(request, "notfound.html", 404, s=session)
    status = {c.n: c.status for c in view.citation_status}
    return page(request, "answer.html", s=session, v=view, a=view.answer, status=status)


@router.get("/data/sources/{document_id:path}")
def source_json(document_id: str, session: Sess, state: State, answer_id: str | None = None) -> JSONResponse:
    """The page's data call: the same function, and so the same rules, as GET /v1/sources."""
    try:
        out = get_source(document_id, state, session.who, answer_id)
    except CairnError:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse(out.model_dump(mode="json"))


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request, session: Sess, state: State, answer_id: str = "") -> HTMLResponse:
    text, cites = "", "[]"
    if answer_id:
        try:
            a = answer_view(state, session.who, answer_id).answer
            text = a.answer
            cites = json.dumps([{k: c.model_dump()[k] for k in ("n", "document_id", "start", "end", "quote")}
                                for c in a.citations], indent=1)
        except ProblemError:
            pass
    return page(request, "check.html", s=session, text=text, cites=cites, result=None, error=None)


@router.post("/check", response_class=HTMLResponse)
def check(request: Request, session: Sess, state: State, text: Annotated[str, Form(max_length=20000)],
          citations: Annotated[str, Form(max_length=100000)], csrf: Annotated[str, Form()]) -> HTMLResponse:
    check_csrf(session, csrf)
    try:
        parsed = [CitationIn.model_validate(c) for c in json.loads(citations or "[]")]
        result = verify_citations(VerifyIn(text=text, citations=parsed), state, session.who)
        error = None
    except (ValueError, TypeError) as exc:
        result, error = None, f"Citations must be a JSON list of {{n, document_id, start, end, quote}}: {exc}"
    return page(request, "check.html", s=session, text=text, cites=citations, result=result, error=error)


@router.get("/escalations", response_class=HTMLResponse)
def escalations(request: Request, session: Sess, state: State, status: str = "") -> HTMLResponse:
    tickets = state.services.store.records.tickets(status or None)
    return page(request, "escalations.html", s=session, tickets=tickets, status=status)


@router.post("/escalations/{ticket_id}", response_model=None)
def change(ticket_id: str, session: Sess, state: State, action: Annotated[str, Form()],
           csrf: Annotated[str, Form()], comment: Annotated[str, Form(max_length=4000)] = "",
           assignee: Annotated[str, Form(max_length=320)] = "") -> Response:
    check_csrf(session, csrf)
    body = TicketChange.model_validate({"action": action, "comment": comment or None, "assignee": assignee or None})
    apply_ticket_change(state, session.who, ticket_id, body)
    return RedirectResponse(f"/console/escalations#t-{ticket_id}", status_code=303)


def install(app: Any) -> None:
    """Mount the static files and the console's own error pages."""
    app.mount("/console/static", static, name="console-static")

    @app.exception_handler(LoginRequiredError)  # type: ignore[untyped-decorator]
    async def _login(request: Request, exc: LoginRequiredError) -> Response:
        return RedirectResponse("/console/login", status_code=303)

    @app.exception_handler(NotAllowedError)  # type: ignore[untyped-decorator]
    async def _forbidden(request: Request, exc: NotAllowedError) -> Response:
        return page(request, "forbidden.html", 403)
