"""Run-time switches: parts of Cairn an operator turns off at once, in every process, without a restart.

A switch is stored in the database, so the API's workers, Celery workers and the CLI all see it; each process
reads the set of switched-off names at most every `ttl_s` seconds. Names:

- `llm` — answering with LLM providers (the extractive responder answers alone)
- `rerank` — search reranking
- `writes` — ingestion (CLI, API jobs, Celery workers) and every corpus change through the API (uploads,
  manifests, approvals, revocations, deletions); `cairn corpus revoke` on the host is not blocked
- `tool:<name>` — one tool, for every caller
- `provider:<name>` — one LLM provider
- `corpus:<name>` — one corpus: not searched (so not answered from) and not ingested
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from kernel.errors import SwitchedOffError, UnknownSwitchError
from kernel.store import Store
from kernel.store.base import Base, UtcDateTime, utcnow

NAME = re.compile(r"(?:llm|rerank|writes|(?:tool|provider|corpus):[A-Za-z0-9._-]{1,100})")


class FlagRow(Base):
    __tablename__ = "flags"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    off: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    changed_by: Mapped[str] = mapped_column(String(320), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


@dataclass(frozen=True)
class Flag:
    name: str
    off: bool
    reason: str
    changed_by: str
    changed_at: datetime


class Flags:
    """The switches, as one process sees them: a cached set of names that are off."""

    def __init__(self, store: Store, ttl_s: float = 2.0) -> None:
        self.store, self.ttl_s = store, ttl_s
        self._off: frozenset[str] = frozenset()
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def off(self) -> frozenset[str]:
        with self._lock:
            if time.monotonic() - self._read_at >= self.ttl_s:
                with self.store.db.session() as s:
                    self._off = frozenset(s.scalars(select(FlagRow.name).where(FlagRow.off.is_(True))))
                self._read_at = time.monotonic()
            return self._off

    def is_off(self, name: str) -> bool:
        return name in self.off()

    def require_on(self, *names: str) -> None:
        """Raise SwitchedOffError naming the first of `names` that is switched off."""
        off = self.off()
        for name in names:
            if name in off:
                raise SwitchedOffError(f"{name} is switched off by an operator (`cairn flags on {name}`)")

    def set(self, name: str, off: bool, *, by: str, role: str, origin: str, reason: str = "") -> Flag:
        """Switch `name` off (or back on), audited. Takes effect here at once, elsewhere within ttl_s."""
        if not NAME.fullmatch(name):
            raise UnknownSwitchError(
                f"unknown switch {name!r}: use llm, rerank, writes, tool:<name>, provider:<name> or corpus:<name>")
        now = utcnow()
        with self.store.db.session() as s:
            row = s.get(FlagRow, name)
            if row is None:
                s.add(FlagRow(name=name, off=off, reason=reason, changed_by=by, changed_at=now))
            else:
                row.off, row.reason, row.changed_by, row.changed_at = off, reason, by, now
        self.store.records.add_admin_audit(by, role, "flags.off" if off else "flags.on", {"name": name}, origin,
                                           reason=reason)
        with self._lock:
            self._read_at = float("-inf")
        return Flag(name, off, reason, by, now)

    def all(self) -> list[Flag]:
        with self.store.db.session() as s:
            rows = s.scalars(select(FlagRow).order_by(FlagRow.name)).all()
            return [Flag(r.name, r.off, r.reason, r.changed_by, r.changed_at) for r in rows]
