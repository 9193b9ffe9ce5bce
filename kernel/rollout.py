"""Safe rollout of answer profiles: stored versions, a canary share of users, promotion behind the gate, rollback.

The rollout's state is the newest row of an append-only event log, so its history is its audit trail. Every
process reads the state at most every `ttl_s` seconds: a canary, a promotion or a rollback reaches API and CLI
processes within seconds, without a restart.

A canary is sticky per user: a user's first ask during a canary assigns them, and the assignment is stored.
Each new user goes to the candidate when that keeps the candidate's share of assigned users at or below the
configured share, so the share holds to within one user however few have asked (a hash of the user id would
drift by several points over a couple of hundred users).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from kernel.errors import RolloutError
from kernel.profiles import AnswerProfile
from kernel.store import Store
from kernel.store.base import Base, UtcDateTime, utcnow


class ProfileRow(Base):
    __tablename__ = "answer_profiles"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(320), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class RolloutEventRow(Base):
    __tablename__ = "rollout_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    current: Mapped[int] = mapped_column(Integer, nullable=False)
    candidate: Mapped[int | None] = mapped_column(Integer, nullable=True)
    share: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    by: Mapped[str] = mapped_column(String(320), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class AssignmentRow(Base):
    __tablename__ = "rollout_assignments"

    event_id: Mapped[int] = mapped_column(ForeignKey("rollout_events.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(320), primary_key=True)
    candidate: Mapped[bool] = mapped_column(Boolean, nullable=False)


class GateVerdictRow(Base):
    __tablename__ = "profile_gates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    candidate: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    current: Mapped[int] = mapped_column(Integer, nullable=False)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    by: Mapped[str] = mapped_column(String(320), nullable=False)


@dataclass(frozen=True)
class RolloutState:
    id: int  # the event that set it; 0 before any
    action: str
    current: int
    candidate: int | None
    share: float
    by: str
    at: datetime | None
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"event": self.id, "action": self.action, "current": self.current, "candidate": self.candidate,
                "share": self.share, "by": self.by, "at": self.at.isoformat() if self.at else None,
                "reason": self.reason}


@dataclass(frozen=True)
class ProfileVersion:
    version: int
    profile: AnswerProfile
    digest: str
    note: str
    created_by: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "digest": self.digest, "note": self.note, "created_by": self.created_by,
                "created_at": self.created_at.isoformat(), "profile": self.profile.model_dump(mode="json")}


@dataclass(frozen=True)
class GateVerdict:
    candidate: int
    current: int
    passed: bool
    complete: bool
    at: datetime
    regressions: list[str]


INITIAL = RolloutState(0, "initial", 0, None, 0.0, "", None)


def digest(profile: AnswerProfile) -> str:
    return hashlib.sha256(json.dumps(profile.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def replay(events: list[RolloutState]) -> list[int]:
    """The promoted versions, oldest first, after these events: what `rollback` returns to, step by step."""
    stack = [0]
    for e in events:
        if e.action == "promote":
            stack.append(e.current)
        elif e.action == "rollback" and len(stack) > 1:
            stack.pop()
    return stack


class Rollout:
    def __init__(self, store: Store, ttl_s: float = 2.0) -> None:
        self.store, self.ttl_s = store, ttl_s
        self._state = INITIAL
        self._read_at = float("-inf")
        self._assigned: dict[tuple[int, str], bool] = {}
        self._lock = threading.Lock()

    # --- profiles -------------------------------------------------------------------------------------------

    def create(self, profile: AnswerProfile, *, by: str, role: str, origin: str, note: str = "") -> ProfileVersion:
        """Store a new version (never an update of an old one), audited."""
        with self.store.db.session() as s:
            row = ProfileRow(body=profile.model_dump(mode="json"), digest=digest(profile), note=note,
                             created_by=by, created_at=utcnow())
            s.add(row)
            s.flush()
            made = self._version(row)
        self.store.records.add_admin_audit(by, role, "profile.create", {"version": made.version,
                                                                        "digest": made.digest}, origin, reason=note)
        return made

    def get(self, version: int) -> ProfileVersion:
        with self.store.db.session() as s:
            row = s.get(ProfileRow, version)
            if row is None:
                raise RolloutError(f"no profile version {version} (`cairn profiles list`)")
            return self._version(row)

    def versions(self) -> list[ProfileVersion]:
        with self.store.db.session() as s:
            return [self._version(r) for r in s.scalars(select(ProfileRow).order_by(ProfileRow.version))]

    @staticmethod
    def _version(row: ProfileRow) -> ProfileVersion:
        return ProfileVersion(row.version, AnswerProfile.model_validate(row.body), row.digest, row.note,
                              row.created_by, row.created_at)

    # --- the rollout's state --------------------------------------------------------------------------------

    def state(self) -> RolloutState:
        with self._lock:
            if time.monotonic() - self._read_at >= self.ttl_s:
                with self.store.db.session() as s:
                    row = s.scalars(select(RolloutEventRow).order_by(RolloutEventRow.id.desc()).limit(1)).first()
                    self._state = self._event(row) if row is not None else INITIAL
                self._read_at = time.monotonic()
            return self._state

    def history(self) -> list[RolloutState]:
        with self.store.db.session() as s:
            return [self._event(r) for r in s.scalars(select(RolloutEventRow).order_by(RolloutEventRow.id))]

    @staticmethod
    def _event(row: RolloutEventRow) -> RolloutState:
        return RolloutState(row.id, row.action, row.current, row.candidate, row.share, row.by, row.at, row.reason)

    def canary(self, version: int, share: float, *, by: str, role: str, origin: str,
               reason: str = "") -> RolloutState:
        """Serve `version` to `share` of users (sticky), the current profile to the rest. A new canary starts
        afresh: its users are assigned again."""
        if not 0 < share <= 1:
            raise RolloutError("a canary's share is above 0 and at most 1")
        self.get(version)
        now = self._fresh()
        if version == now.current:
            raise RolloutError(f"version {version} is already the current profile")
        return self._append("canary", now.current, version, share, by, role, origin, reason)

    def promote(self, *, by: str, role: str, origin: str, reason: str = "", skip_gate: bool = False) -> RolloutState:
        """The canary's candidate becomes everyone's profile, if the gate passed it against the current one
        on every suite (`cairn eval gate --profile`). `skip_gate` needs a reason and is audited as such."""
        now = self._fresh()
        if now.candidate is None:
            raise RolloutError("no canary to promote (`cairn rollout canary VERSION --share S` first)")
        if skip_gate:
            if not reason:
                raise RolloutError("promoting without the gate needs a reason")
        else:
            verdict = self.verdict(now.candidate, now.current)
            if verdict is None:
                raise RolloutError(f"no gate run of version {now.candidate} against version {now.current}: "
                                   f"run `cairn eval gate --profile {now.candidate}`")
            if not verdict.passed:
                raise RolloutError(f"the gate refused version {now.candidate}: {'; '.join(verdict.regressions)}")
            if not verdict.complete:
                raise RolloutError(f"the gate ran only some suites on version {now.candidate}; promotion needs all")
        return self._append("promote", now.candidate, None, 0.0, by, role, origin,
                            reason or ("gate skipped" if skip_gate else "gate passed"),
                            audit_extra={"gate_skipped": skip_gate})

    def rollback(self, *, by: str, role: str, origin: str, reason: str = "") -> RolloutState:
        """Stop the canary (`abort`: everyone back on the current profile); with no canary, return to the
        profile that was current before the last promotion not yet rolled back."""
        now = self._fresh()
        if now.candidate is not None:
            return self._append("abort", now.current, None, 0.0, by, role, origin, reason)
        stack = replay(self.history())
        if len(stack) < 2:
            raise RolloutError("nothing to roll back: no canary and no promotion")
        return self._append("rollback", stack[-2], None, 0.0, by, role, origin, reason)

    def _fresh(self) -> RolloutState:
        with self._lock:
            self._read_at = float("-inf")
        return self.state()

    def _append(self, action: str, current: int, candidate: int | None, share: float, by: str, role: str,
                origin: str, reason: str, audit_extra: dict[str, Any] | None = None) -> RolloutState:
        with self.store.db.session() as s:
            row = RolloutEventRow(at=utcnow(), action=action, current=current, candidate=candidate, share=share,
                                  by=by, reason=reason)
            s.add(row)
            s.flush()
            made = self._event(row)
            # A canary's assignments end with it: nothing about users is kept longer than needed.
            s.execute(delete(AssignmentRow))
        self.store.records.add_admin_audit(by, role, f"rollout.{action}", {"current": current, "candidate": candidate,
                                                                           "share": share, **(audit_extra or {})},
                                           origin, reason=reason)
        with self._lock:
            self._read_at = float("-inf")
            self._assigned.clear()
        return made

    # --- who gets which profile ------------------------------------------------------------------------------

    def version_for(self, user_id: str) -> int:
        st = self.state()
        if st.candidate is None:
            return st.current
        key = (st.id, user_id)
        with self._lock:
            known = self._assigned.get(key)
        if known is None:
            known = self._assign(st, user_id)
            with self._lock:
                if len(self._assigned) > 100_000:
                    self._assigned.clear()
                self._assigned[key] = known
        return st.candidate if known else st.current

    def _assign(self, st: RolloutState, user_id: str) -> bool:
        for _ in range(3):
            try:
                with self.store.db.session() as s:
                    row = s.get(AssignmentRow, (st.id, user_id))
                    if row is not None:
                        return row.candidate
                    base = select(func.count()).select_from(AssignmentRow).where(AssignmentRow.event_id == st.id)
                    n = s.scalar(base) or 0
                    chosen = s.scalar(base.where(AssignmentRow.candidate.is_(True))) or 0
                    candidate = chosen + 1 <= st.share * (n + 1) + 1e-9
                    s.add(AssignmentRow(event_id=st.id, user_id=user_id, candidate=candidate))
                return candidate
            except IntegrityError:
                continue  # another process assigned this user at the same moment: read theirs
        raise RolloutError(f"could not assign {user_id!r} to a profile")

    def assignments(self) -> dict[str, int]:
        """Users assigned during the running canary, by version."""
        st = self._fresh()
        if st.candidate is None:
            return {}
        with self.store.db.session() as s:
            rows = s.execute(select(AssignmentRow.candidate, func.count()).where(AssignmentRow.event_id == st.id)
                             .group_by(AssignmentRow.candidate)).all()
        return {str(st.candidate if c else st.current): int(n) for c, n in rows}

    # --- the gate's verdicts ----------------------------------------------------------------------------------

    def record_gate(self, candidate: int, current: int, *, passed: bool, complete: bool, report: dict[str, Any],
                    by: str) -> None:
        with self.store.db.session() as s:
            s.add(GateVerdictRow(at=utcnow(), candidate=candidate, current=current, passed=passed,
                                 complete=complete, report=report, by=by))

    def verdict(self, candidate: int, current: int) -> GateVerdict | None:
        """The newest gate run of `candidate` against `current`."""
        with self.store.db.session() as s:
            row = s.scalars(select(GateVerdictRow).where(GateVerdictRow.candidate == candidate,
                                                         GateVerdictRow.current == current)
                            .order_by(GateVerdictRow.id.desc()).limit(1)).first()
            if row is None:
                return None
            return GateVerdict(row.candidate, row.current, row.passed, row.complete, row.at,
                               list(row.report.get("regressions", [])))
