"""`cairn ingest` (in-process, through Celery workers, or through a server) and `cairn worker`."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    EXIT_FAILED,
    EXIT_SOME_DOCUMENTS_FAILED,
    Remote,
    err,
    fail,
    out,
    progress_bar,
    remote,
    settings,
    through_server,
)
from kernel.errors import CairnError
from wiring.services import Services


def ingest(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="corpus folder (with corpus.yaml) or the manifest file; with "
                                              "--server, the corpus name (or such a folder, for its name)")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON summary")] = False,
    retry_failed: Annotated[bool, typer.Option(help="retry documents that failed before")] = False,
) -> None:
    """Ingest an approved corpus (in-process; through Celery workers when CAIRN_BROKER_URL is set; as a job
    of a running server with --server)."""
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest as run_ingest

    server = remote(ctx)
    if server is not None:
        try:
            name = load_manifest(path).name if path.exists() else str(path)
        except CairnError as exc:
            raise fail(exc) from exc
        data = _ingest_through(server, name, as_json)
        _report(name, data, as_json)
        return
    s = settings()
    try:
        loaded = load_manifest(path)
        svc = Services.open(s, answering=False, rerank=False)  # ingestion never loads a cross-encoder
    except CairnError as exc:
        raise fail(exc) from exc
    process = None
    if s.broker_url:
        from ingest.tasks import celery_process, make_celery

        process = celery_process(make_celery(s), s)
    bar = progress_bar(hidden=as_json)
    task = bar.add_task(f"ingesting {loaded.name}", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    try:
        with bar:
            report = run_ingest(loaded, s, svc.store, svc.index, svc.embedder, svc.bm25, process=process,
                                progress=progress, retry_failed=retry_failed, flags=svc.flags)
    except CairnError as exc:
        raise fail(exc) from exc
    finally:
        svc.close()
    _report(loaded.name, report.to_json(), as_json)


def _ingest_through(server: Remote, name: str, as_json: bool) -> dict[str, Any]:
    """Start the corpus's ingestion job on the server and follow it; the server's index has the one writer."""
    bar = progress_bar(hidden=as_json)
    task = bar.add_task(f"ingesting {name} on {server.url}", total=None)
    with bar:
        job = through_server(server, lambda api: api.wait_job(
            api.start_ingest(name).id, on_progress=lambda j: bar.update(task, completed=j.done, total=j.total or None)))
    if job.status == "failed":
        err.print(f"[red]job {job.id} failed:[/red] {job.error}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED)
    return job.summary


def _report(name: str, data: dict[str, Any], as_json: bool) -> None:
    failed = bool(data["documents"]["failed"])
    if as_json:
        print(json.dumps(data))
        if failed:
            raise typer.Exit(EXIT_SOME_DOCUMENTS_FAILED)
        return
    d = data["documents"]
    out.print(f"[bold]{name}[/bold]: {d['added']} added, {d['updated']} updated, "
              f"{d['unchanged']} unchanged, {d['deleted']} deleted, {d['failed']} failed; "
              f"{data['chunks_written']} chunks written, {data['chunks_embedded']} embedded "
              f"in {data['seconds']:.1f} s")
    for f in data["failures"]:
        out.print(f"  [yellow]failed[/yellow] {f['source']}: {f['reason']}", markup=False)
    if failed:
        raise typer.Exit(EXIT_SOME_DOCUMENTS_FAILED)


def worker(concurrency: Annotated[int, typer.Option("--concurrency", "-c")] = 1,
           loglevel: str = "INFO",
           metrics_port: Annotated[int | None, typer.Option(help="serve the pool's task metrics (Prometheus) on "
                                                          "this port, summed over its processes")] = None,
           metrics_host: Annotated[str, typer.Option(help="address for --metrics-port")] = "127.0.0.1") -> None:
    """Start a Celery ingestion worker (needs CAIRN_BROKER_URL)."""
    from ingest.tasks import run_worker
    from kernel.telemetry import MULTIPROCESS_ENV

    if metrics_port is not None and not os.environ.get(MULTIPROCESS_ENV):
        # The pool's children count their tasks in files the parent sums; prometheus_client picks that mode
        # when it is imported, so the command starts again with the folder set (a fresh one: no stale counts).
        folder = tempfile.mkdtemp(prefix="cairn-worker-metrics-")
        os.execve(sys.executable, sys.orig_argv,  # noqa: S606 (the same command line, no shell)
                  {**os.environ, MULTIPROCESS_ENV: folder, _OWNED: folder})
    try:
        run_worker(settings(), concurrency, loglevel, metrics_port, metrics_host)
    except CairnError as exc:
        raise fail(exc) from exc
    finally:
        owned = os.environ.get(_OWNED)
        if owned and owned == os.environ.get(MULTIPROCESS_ENV):
            shutil.rmtree(owned, ignore_errors=True)


_OWNED = "CAIRN_WORKER_METRICS_DIR"  # the folder `cairn worker` made for itself, removed when it stops
