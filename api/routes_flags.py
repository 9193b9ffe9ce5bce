"""Run-time switches over HTTP: admins read and flip them; every process follows within seconds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.auth import require
from api.deps import State, Who
from api.pages import Cursor, Limit, next_cursor, str_cursor
from api.problems import PROBLEM_RESPONSES
from api.schemas import FlagChange, FlagOut, FlagPage
from kernel.flags import Flag

router = APIRouter(prefix="/v1", tags=["operations"], responses=PROBLEM_RESPONSES)
FlagName = Annotated[str, Path(description="llm, rerank, writes, tool:<name>, provider:<name> or corpus:<name>",
                               max_length=120)]


def _out(f: Flag) -> FlagOut:
    return FlagOut(name=f.name, off=f.off, reason=f.reason, changed_by=f.changed_by, changed_at=f.changed_at)


@router.get("/flags", response_model=FlagPage, summary="Every run-time switch that was set")
def list_flags(state: State, who: Who, cursor: Cursor = None, limit: Limit = 100) -> FlagPage:
    require(who, "admin")
    after = str_cursor(cursor)
    flags = [f for f in state.flags.all() if after is None or f.name > after][: limit + 1]
    return FlagPage(items=[_out(f) for f in flags[:limit]], next_cursor=next_cursor([f.name for f in flags], limit))


@router.put("/flags/{name}", response_model=FlagOut, summary="Switch something off, or back on")
def set_flag(name: FlagName, body: FlagChange, state: State, who: Who) -> FlagOut:
    require(who, "admin")
    return _out(state.flags.set(name, body.off, by=who.user_id, role=who.role, origin="api", reason=body.reason))
