"""`cairn corpus`: validate a manifest, list corpora, revoke one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import (
    EXIT_FAILED,
    err,
    fail,
    out,
    remote,
    settings,
    through_server,
)
from kernel.errors import CairnError, ManifestError
from wiring.services import Services

corpus_app = typer.Typer(help="Corpus manifests: validate, list, revoke.", no_args_is_help=True)


@corpus_app.command("validate")
def corpus_validate(path: Annotated[Path, typer.Argument(help="folder with corpus.yaml, or the file")],
                    as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check a manifest and report every problem at once."""
    from ingest.manifest import load_manifest, unmatched_patterns
    from ingest.sources import selected_paths

    try:
        loaded = load_manifest(path)
        errors, warnings = unmatched_patterns(loaded, selected_paths(loaded))
        if errors:
            raise ManifestError(str(loaded.path), errors + warnings)
    except ManifestError as exc:
        if as_json:
            print(json.dumps({"ok": False, "manifest": exc.path, "problems": exc.problems}))
            raise typer.Exit(EXIT_FAILED) from exc
        raise fail(exc) from exc
    except CairnError as exc:
        if as_json:
            print(json.dumps({"ok": False, "manifest": str(path), "problems": [f"{exc.code}: {exc}"]}))
            raise typer.Exit(EXIT_FAILED) from exc
        raise fail(exc) from exc
    m = loaded.manifest
    if as_json:
        print(json.dumps({"ok": True, "manifest": str(loaded.path), "name": m.name, "owner": m.owner,
                          "approval": m.approval.status, "warnings": warnings}))
        return
    for w in warnings:
        err.print(f"[yellow]warning[/yellow] {w}", soft_wrap=True)
    out.print(f"[green]ok[/green] {m.name}: approval {m.approval.status}, owner {m.owner}")


@corpus_app.command("list")
def corpus_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List registered corpora with their approval status and document counts."""
    from kernel.store import Store

    server = remote(ctx)
    if server is not None:
        rows: list[dict[str, Any]] = [
            {"name": c.name, "status": c.approval_status, "owner": c.owner, "documents": c.documents,
             "chunks": None} for c in through_server(server, lambda api: list(api.iter_corpora()))]
    else:
        store = Store(settings().db_url)
        rows = [{"name": c.name, "status": c.approval_status, "owner": c.owner,
                 "documents": len(store.catalogue.documents(c.name, ["indexed"])),
                 "chunks": store.catalogue.count_chunks(c.name)}
                for c in store.catalogue.list_corpora()]
    if as_json:
        print(json.dumps({"corpora": rows}))
        return
    table = Table("name", "status", "owner", "documents", "chunks")
    for r in rows:
        table.add_row(*(str(r[k]) for k in ("name", "status", "owner", "documents", "chunks")))
    out.print(table)


@corpus_app.command("revoke")
def corpus_revoke(ctx: typer.Context, name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Revoke a corpus: nothing of it stays searchable; its manifest must be re-approved to ingest again."""
    server = remote(ctx)
    if server is not None:
        through_server(server, lambda api: api.revoke_corpus(name))
        if as_json:
            print(json.dumps({"corpus": name, "status": "revoked"}))
        else:
            out.print(f"revoked {name} on {server.url}")
        return
    s = settings()
    svc = Services.open(s, answering=False, rerank=False)
    try:
        import getpass

        from ingest.removal import revoke_corpus

        n = revoke_corpus(name, f"cli:{getpass.getuser()}", svc.store, svc.index)
    except CairnError as exc:
        raise fail(exc) from exc
    finally:
        svc.close()
    if as_json:
        print(json.dumps({"corpus": name, "status": "revoked", "documents_removed": n}))
        return
    out.print(f"revoked {name}: {n} document(s) removed from search")
