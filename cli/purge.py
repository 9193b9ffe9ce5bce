"""`cairn purge`: delete what is older than its retention (settings `CAIRN_RETAIN_*_DAYS`)."""

from __future__ import annotations

import getpass
import json
from datetime import timedelta
from typing import Annotated

import typer

from cli.common import out, settings


def purge(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Delete answers, audit rows and safety events, conversations and resolved tickets older than their
    retention, and expired console sessions and idempotency keys. Audited as `data.purge`. Run it daily."""
    from kernel.store import Store
    from kernel.store.base import utcnow
    from kernel.store.records import RetentionCutoffs

    s = settings()
    store = Store(s.db_url)
    try:
        now = utcnow()
        cutoffs = RetentionCutoffs.days_ago(now, answers=s.retain_answers_days, audit=s.retain_audit_days,
                                            conversations=s.retain_conversations_days,
                                            tickets=s.retain_tickets_days)
        gone = {**store.records.purge(cutoffs),
                **store.access.purge_expired(now - timedelta(seconds=s.idempotency_ttl_s))}
        store.records.add_admin_audit(getpass.getuser(), "admin", "data.purge", {"deleted": gone}, "cli")
    finally:
        store.close()
    if as_json:
        print(json.dumps({"deleted": gone}))
        return
    for kind, n in gone.items():
        out.print(f"{kind}: {n} deleted")
