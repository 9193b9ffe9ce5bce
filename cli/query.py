"""`cairn search` and `cairn ask`: as a principal on the local data dir, or as a key through a server."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from agent.tool_results import SearchResult
from cli.common import (
    fail,
    local_user,
    out,
    remote,
    settings,
    through_server,
)
from kernel.errors import CairnError
from wiring.services import Services


def search(
    ctx: typer.Context,
    query: str,
    user: Annotated[str | None, typer.Option(help="user id the search runs as (local data dir)")] = None,
    groups: Annotated[str, typer.Option(help="comma-separated groups")] = "",
    k: Annotated[int, typer.Option("-k", min=1, max=100)] = 10,
    corpus: Annotated[list[str] | None, typer.Option(help="restrict to corpus (repeatable)")] = None,
    rerank: Annotated[bool | None, typer.Option("--rerank/--no-rerank")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Hybrid search as a principal; only chunks that principal may read can appear. Audited like any read."""
    server = remote(ctx)
    who = local_user(user, groups, server)
    if server is not None:
        found = through_server(server, lambda api: api.search(query, k, corpus, rerank))
        res = SearchResult.model_validate({"results": [h.model_dump(mode="json") for h in found.results],
                                           "query": query, "rerank": found.rerank, "timings_ms": {}})
    else:
        assert who is not None
        s = settings()
        svc = Services.open(s, rerank=rerank, answering=False)
        try:
            args: dict[str, Any] = {"query": query, "k": k, "corpora": corpus, "rerank": rerank}
            res = svc.agent().call("search_knowledge", {a: v for a, v in args.items() if v is not None}, who,
                                   "user", SearchResult)
        except CairnError as exc:
            raise fail(exc) from exc
        finally:
            svc.close()
    if as_json:
        print(res.model_dump_json(include={"results", "rerank", "timings_ms"}))
        return
    for i, r in enumerate(res.results, start=1):
        out.print(f"[bold]{i}.[/bold] {r.score:.4f} [cyan]{r.document_id}[/cyan] "
                  f"{' > '.join(r.heading_path)} [{r.start}:{r.end}]")
        out.print("   " + r.text[:200].replace("\n", " "), markup=False)


def ask(
    ctx: typer.Context,
    question: str,
    user: Annotated[str | None, typer.Option(help="user id the question runs as (local data dir)")] = None,
    groups: Annotated[str, typer.Option(help="comma-separated groups")] = "",
    conversation: Annotated[str | None, typer.Option(help="conversation id for follow-ups")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Answer from the sources the user may read, with citations; abstain when they do not answer."""
    server = remote(ctx)
    who = local_user(user, groups, server)
    if server is not None:
        ans = through_server(server, lambda api: api.ask(question, conversation))
    else:
        assert who is not None
        from wiring.agents import Agents

        svc = Services.open(settings(), rerank=False)
        try:
            ans = Agents(svc).for_user(who).ask(question, who, conversation)
        finally:
            svc.close()
    if as_json:
        print(json.dumps(ans.cli_json()))
        return
    out.print(ans.answer, markup=False)
    for c in ans.citations:
        where = f"p. {c.page}, " if c.page else ""
        out.print(f"  [{c.n}] {c.title or c.document_id} ({where}{c.document_id} {c.start}-{c.end})", markup=False)
    for note in ans.notices:
        out.print(f"[dim]{note}[/dim]")
    out.print(f"[dim]answer {ans.id} · trace {ans.trace_id} · {ans.latency_ms:.0f} ms[/dim]")
