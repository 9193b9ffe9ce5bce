"""What a crashed ingest leaves behind, put right at the next start: jobs marked running by a process
that is gone, and index points written for documents whose store commit never happened."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from index.protocol import VectorIndex
from kernel.errors import CairnError
from kernel.store import Store
from kernel.store.base import utcnow


class DiskFullError(CairnError):
    code = "disk_full"


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(runner: str) -> bool:
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's job: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Recovered:
    jobs_failed: int = 0
    documents_rolled_back: int = 0


def recover(store: Store, index: VectorIndex) -> Recovered:
    out = Recovered()
    for job in store.catalogue.running_jobs():
        if job.runner and not _alive(job.runner):
            store.catalogue.update_job(job.id, status="failed", finished_at=utcnow(),
                                       error=f"the process running this job ({job.runner}) stopped before it finished")
            out.jobs_failed += 1
    # Only a dead writer's intents: a live process (another API worker, a running ingest) is mid-commit.
    pending = [doc for doc, runner in store.catalogue.intents() if not runner or not _alive(runner)]
    if not pending:
        return out
    known = [d for d in pending if store.catalogue.get_document(d) is not None]
    for doc_id in pending:
        # Its points may be of a version the store never recorded: take them out.
        index.delete_where(document_id=doc_id)
    index.flush()
    store.catalogue.forget_fingerprints(known)
    store.catalogue.mark_documents(known, "queued")
    store.catalogue.clear_intents(pending)
    out.documents_rolled_back = len(pending)
    return out


def require_free_space(path: Path, min_free_bytes: int) -> None:
    """Fail with a clear message before writing, rather than die of SIGBUS in a memory-mapped write."""
    path.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path).free
    if free < min_free_bytes:
        raise DiskFullError(f"only {free // (1 << 20)} MB free at {path}; ingestion needs at least "
                            f"{min_free_bytes // (1 << 20)} MB (CAIRN_MIN_FREE_MB); free some space and retry")
