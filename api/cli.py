"""The `cairn` command line for operators."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.wiring import Services, offline_environment
from kernel.errors import CairnError, ManifestError
from kernel.settings import Settings
from kernel.types import Principal
from kernel.version import cairn_version

EXIT_CODES = """Exit codes: 0 done; 1 the command could not do its job (bad input, busy index, refused); 2 bad usage or
invalid settings; 3 ingest ran but some documents failed; 130 interrupted."""

app = typer.Typer(help="Cairn: answers from approved document corpora, with citations.", epilog=EXIT_CODES,
                  no_args_is_help=True, pretty_exceptions_enable=False)
corpus_app = typer.Typer(help="Corpus manifests: validate, list, revoke.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation suites and quality gates.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
app.add_typer(eval_app, name="eval")
err = Console(stderr=True)
out = Console()


class RoleName(StrEnum):
    admin = "admin"
    curator = "curator"
    support = "support"
    user = "user"


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        # Field and reason only: the rejected value may be a secret (an API key inside CAIRN_LLM_PROVIDERS).
        err.print("[red]invalid settings:[/red]")
        for e in exc.errors(include_input=False, include_url=False):
            head, *rest = e["loc"] or ("settings",)
            field = f"CAIRN_{str(head).upper()}" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)
            err.print(f"  {field}: {e['msg']}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except Exception as exc:
        err.print(f"[red]invalid settings:[/red] {type(exc).__name__}: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc


def _show_version(value: bool) -> None:
    if value:
        print(f"cairn {cairn_version()}")
        raise typer.Exit()


EXIT_FAILED = 1  # the command could not do its job (bad input, busy index, ...)
EXIT_SOME_DOCUMENTS_FAILED = 3  # ingest ran, but some documents could not be indexed


def fail(exc: CairnError) -> typer.Exit:
    if isinstance(exc, ManifestError):
        # soft_wrap keeps each problem (and any path in it) on one line, as typed.
        err.print(f"[red]{exc.path}[/red] has {len(exc.problems)} problem(s):", soft_wrap=True)
        for p in exc.problems:
            err.print(f"  - {p}", soft_wrap=True, markup=False)
    else:
        err.print(f"[red]error ({exc.code}):[/red] {exc}", soft_wrap=True)
    return typer.Exit(1)


@app.callback()
def _main(_version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                                 help="print the version and exit")] = False) -> None:
    offline_environment()


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
def corpus_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List registered corpora with their approval status and document counts."""
    from kernel.store import Store

    s = settings()
    store = Store(s.db_url)
    rows = [{"name": c.name, "status": c.approval_status, "owner": c.owner,
             "documents": len(store.documents(c.name, ["indexed"])), "chunks": store.count_chunks(c.name)}
            for c in store.list_corpora()]
    if as_json:
        print(json.dumps({"corpora": rows}))
        return
    table = Table("name", "status", "owner", "documents", "chunks")
    for r in rows:
        table.add_row(*(str(r[k]) for k in ("name", "status", "owner", "documents", "chunks")))
    out.print(table)


@corpus_app.command("revoke")
def corpus_revoke(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Revoke a corpus: nothing of it stays searchable; its manifest must be re-approved to ingest again."""
    s = settings()
    svc = Services.open(s, reranker=False)
    try:
        from ingest.pipeline import remove_corpus

        svc.store.get_corpus(name)
        n = remove_corpus(name, svc.store, svc.index)
        svc.store.upsert_corpus(name, approval_status="revoked")
    except CairnError as exc:
        raise fail(exc) from exc
    finally:
        svc.close()
    if as_json:
        print(json.dumps({"corpus": name, "status": "revoked", "documents_removed": n}))
        return
    out.print(f"revoked {name}: {n} document(s) removed from search")


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="corpus folder (with corpus.yaml) or the manifest file")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON summary")] = False,
    retry_failed: Annotated[bool, typer.Option(help="retry documents that failed before")] = False,
) -> None:
    """Ingest an approved corpus (in-process; through Celery workers when CAIRN_BROKER_URL is set)."""
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest as run_ingest

    s = settings()
    try:
        loaded = load_manifest(path)
        svc = Services.open(s, reranker=False)
    except CairnError as exc:
        raise fail(exc) from exc
    process = None
    if s.broker_url:
        from ingest.tasks import celery_process, make_celery

        process = celery_process(make_celery(s), s)
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err, disable=as_json or not err.is_terminal)
    task = bar.add_task(f"ingesting {loaded.name}", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    try:
        with bar:
            report = run_ingest(loaded, s, svc.store, svc.index, svc.embedder, svc.bm25, process=process,
                                progress=progress, retry_failed=retry_failed)
    except CairnError as exc:
        raise fail(exc) from exc
    finally:
        svc.close()
    data = report.to_json()
    if as_json:
        print(json.dumps(data))
        if report.failed:
            raise typer.Exit(EXIT_SOME_DOCUMENTS_FAILED)
        return
    d = data["documents"]
    out.print(f"[bold]{loaded.name}[/bold]: {d['added']} added, {d['updated']} updated, "
              f"{d['unchanged']} unchanged, {d['deleted']} deleted, {d['failed']} failed; "
              f"{data['chunks_written']} chunks written, {data['chunks_embedded']} embedded "
              f"in {data['seconds']:.1f} s")
    for f in data["failures"]:
        out.print(f"  [yellow]failed[/yellow] {f['source']}: {f['reason']}", markup=False)
    if report.failed:
        raise typer.Exit(EXIT_SOME_DOCUMENTS_FAILED)


@app.command()
def worker(concurrency: Annotated[int, typer.Option("--concurrency", "-c")] = 1,
           loglevel: str = "INFO") -> None:
    """Start a Celery ingestion worker (needs CAIRN_BROKER_URL)."""
    from ingest.tasks import run_worker

    try:
        run_worker(settings(), concurrency, loglevel)
    except CairnError as exc:
        raise fail(exc) from exc


def _principal(user: str, groups: str, role: str = "user") -> Principal:
    gs = tuple(g.strip() for g in groups.split(",") if g.strip())
    return Principal(user_id=user, groups=gs, role=role)  # type: ignore[arg-type]


@app.command()
def search(
    query: str,
    user: Annotated[str, typer.Option(help="user id the search runs as")],
    groups: Annotated[str, typer.Option(help="comma-separated groups")] = "",
    k: Annotated[int, typer.Option("-k", min=1, max=100)] = 10,
    corpus: Annotated[list[str] | None, typer.Option(help="restrict to corpus (repeatable)")] = None,
    rerank: Annotated[bool | None, typer.Option("--rerank/--no-rerank")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Hybrid search as a principal; only chunks that principal may read can appear. Audited like any read."""
    s = settings()
    svc = Services.open(s, reranker=rerank)
    try:
        args: dict[str, Any] = {"query": query, "k": k, "corpora": corpus, "rerank": rerank}
        res = svc.agent().call("search_knowledge", {a: v for a, v in args.items() if v is not None},
                               _principal(user, groups), "user")
    except CairnError as exc:
        raise fail(exc) from exc
    finally:
        svc.close()
    rows = res["results"]
    if as_json:
        print(json.dumps({"results": rows, "rerank": res["rerank"], "timings_ms": res["timings_ms"]}))
        return
    for i, r in enumerate(rows, start=1):
        out.print(f"[bold]{i}.[/bold] {r['score']:.4f} [cyan]{r['document_id']}[/cyan] "
                  f"{' > '.join(r['heading_path'])} [{r['start']}:{r['end']}]")
        out.print("   " + str(r["text"])[:200].replace("\n", " "), markup=False)


@app.command()
def ask(
    question: str,
    user: Annotated[str, typer.Option(help="user id the question runs as")],
    groups: Annotated[str, typer.Option(help="comma-separated groups")] = "",
    conversation: Annotated[str | None, typer.Option(help="conversation id for follow-ups")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Answer from the sources the user may read, with citations; abstain when they do not answer."""
    s = settings()
    svc = Services.open(s, reranker=False)
    try:
        ans = svc.agent().ask(question, _principal(user, groups), conversation)
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


keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Option(help="user id the key acts as")],
    role: Annotated[RoleName, typer.Option(help="what the key may do")] = RoleName.user,
    groups: Annotated[str, typer.Option(help="comma-separated groups")] = "",
    name: Annotated[str, typer.Option(help="a label for the key")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print the key and its id as JSON")] = False,
) -> None:
    """Create an API key. The key is printed once; only its hash is stored."""
    from api.auth import create_key
    from kernel.store import Store

    store = Store(settings().db_url)
    try:
        group_list = [g.strip() for g in groups.split(",") if g.strip()]
        key = create_key(store, user, group_list, role.value, name)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    _operator_audit(store, "key.create", {"key_id": key.key_id, "user": user, "role": role.value})
    if as_json:
        print(json.dumps({"id": key.key_id, "key": key.token, "user": user, "role": role.value,
                          "groups": group_list, "name": name}))
        return
    print(key.token)
    err.print(f"key {key.key_id} for {user} ({role}); store it now, it is not shown again")


@keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List keys (never their secrets)."""
    from kernel.store import Store

    rows = [{"id": k.id, "name": k.name, "user": k.user_id, "groups": k.groups, "role": k.role,
             "created": k.created_at.isoformat(), "revoked": k.revoked_at is not None}
            for k in Store(settings().db_url).api_keys()]
    if as_json:
        print(json.dumps({"keys": rows}))
        return
    table = Table("id", "name", "user", "role", "groups", "revoked")
    for r in rows:
        table.add_row(str(r["id"]), str(r["name"]), str(r["user"]), str(r["role"]), ",".join(map(str, r["groups"])),  # type: ignore[call-overload]
                      str(r["revoked"]))
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Revoke a key by its id."""
    from kernel.store import Store

    store = Store(settings().db_url)
    if not store.revoke_api_key(key_id):
        if as_json:
            print(json.dumps({"id": key_id, "revoked": False, "error": "no active key with this id"}))
        else:
            err.print(f"[red]no active key {key_id}[/red]")
        raise typer.Exit(EXIT_FAILED)
    # Console sessions opened with this key end with it.
    _operator_audit(store, "key.revoke", {"key_id": key_id})
    if as_json:
        print(json.dumps({"id": key_id, "revoked": True}))
        return
    out.print(f"revoked {key_id}")


def _operator_audit(store: Any, action: str, target: dict[str, object]) -> None:
    import getpass

    store.add_admin_audit(f"cli:{getpass.getuser()}", "admin", action, target, origin="cli")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and the support console (embedded default: nothing else to start).

    One process: the embedded index has a single writer. To serve more, run several `cairn serve` on a
    Qdrant server (CAIRN_QDRANT_URL) and PostgreSQL behind a proxy; see the compose file in deploy/."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(settings()), host=host, port=port, log_level="info")


def main() -> None:
    """The `cairn` entry point: a Cairn error anywhere ends in one line and exit code 1, not a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except CairnError as exc:
        fail(exc)
        sys.exit(EXIT_FAILED)


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: Annotated[Path, typer.Option(help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv")],
    split: Annotated[str, typer.Option(help="qrels split: train, dev or test")] = "test",
    run_out: Annotated[Path, typer.Option(help="TREC run file (one per config when several)")] = Path(
        "reports/run.trec"),
    config: Annotated[list[str] | None, typer.Option(help="bm25, dense, hybrid, hybrid+rerank (repeatable)")]
    = None,
    limit: Annotated[int | None, typer.Option(help="only the first N queries (by id)")] = None,
    scratch: Annotated[Path | None, typer.Option(help="scratch data dir; default <data_dir>/eval/<content>")]
    = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest a BEIR corpus through the real pipeline (reused when unchanged), search every query, score."""
    from eval.beir import load_beir
    from eval.datasets import read_docs
    from eval.retrieval import CONFIGS, config_for, evaluate, run_file_for
    from eval.scratch import open_eval_corpus

    names = config or ["bm25", "dense", "hybrid", "hybrid+rerank"]
    for n in names:
        if n not in CONFIGS:
            raise typer.BadParameter(f"unknown config {n!r}; choose from {', '.join(CONFIGS)}")
    try:
        data = load_beir(dataset, split)
        with _bar() as bar:
            task = bar.add_task("ingesting", total=None)
            svc, report = open_eval_corpus(settings(), list(read_docs(data.corpus_file)), scratch=scratch,
                                           reranker=any("rerank" in n for n in names),
                                           progress=lambda d, t: bar.update(task, completed=d, total=t))
            try:
                results = []
                for n in names:
                    task = bar.add_task(f"searching ({n})", total=None)

                    def step(done: int, total: int, task: Any = task) -> None:
                        bar.update(task, completed=done, total=total)

                    results.append(evaluate(svc.searcher, data, n, config_for(n, svc.searcher.config),
                                            run_file_for(run_out, n, len(names) > 1), limit, progress=step))
            finally:
                svc.close()
    except CairnError as exc:
        raise fail(exc) from exc
    summary = {"suite": "retrieval", "dataset": str(dataset), "split": split,
               "ingest": report.to_json()["documents"], "configs": [r.to_json() for r in results]}
    if as_json:
        print(json.dumps(summary))
        return
    table = Table("config", "nDCG@10", "Recall@100", "MRR@10", "queries", "p50 ms", "p95 ms")
    for r in results:
        j = r.to_json()
        table.add_row(r.name, f"{j['ndcg@10']:.4f}", f"{j['recall@100']:.4f}", f"{j['mrr@10']:.4f}",
                      str(j["queries"]), f"{j['p50_ms']:.1f}", f"{j['p95_ms']:.1f}")
    out.print(table)


@eval_app.command("answers")
def eval_answers(
    suite: Annotated[list[str] | None, typer.Option(help="domain to run (repeatable): scifact, squad, email, "
                                                    "docs; default all four")] = None,
    data: Annotated[Path, typer.Option(help="the shared data folder (scifact/, squad/, injection/)")] = Path(
        "../shared/data"),
    limit: Annotated[int | None, typer.Option(help="SciFact: only the first N claims with evidence")] = None,
    restricted_share: Annotated[float, typer.Option(min=0, max=0.9, help="SciFact: share of claims with "
                                                     "restricted evidence")] = 0.2,
    squad_questions: Annotated[int, typer.Option(min=1, help="SQuAD: answerable questions (plus half as many "
                                                   "unanswerable)")] = 200,
    report_dir: Annotated[Path, typer.Option(help="where the report, answers and charts go")] = Path(
        "reports/answers"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every answer domain through the real agent: a table per domain, a report with a chart for each."""
    from eval.domains import DOMAINS, DomainData, run_domain
    from eval.report import write_domain_report

    chosen = suite or list(DOMAINS)
    unknown = [d for d in chosen if d not in DOMAINS]
    if unknown:
        raise typer.BadParameter(f"unknown suite {unknown}; choose from {', '.join(DOMAINS)}")
    dd = DomainData(data / "scifact", data / "squad" / "train-v2.0-10articles.json",
                    data / "injection" / "email_train.jsonl", limit, restricted_share, squad_questions,
                    squad_questions // 2)
    needed = {"scifact": dd.scifact / "claims_train.jsonl", "squad": dd.squad, "email": dd.email}
    missing = [str(f) for d, f in needed.items() if d in chosen and not f.exists()]
    if missing:
        raise typer.BadParameter(f"missing data: {', '.join(missing)}")
    results: dict[str, dict[str, Any]] = {}
    try:
        with _bar() as bar:
            for name in chosen:
                task = bar.add_task(name, total=None)

                def advance(done: int, total: int, task: TaskID = task) -> None:
                    bar.update(task, completed=done, total=total)

                results[name] = run_domain(name, settings(), dd, report_dir, progress=advance)
    except CairnError as exc:
        raise fail(exc) from exc
    files = write_domain_report(results, report_dir)
    if as_json:
        print(json.dumps({"suite": "answers", "domains": results, "report": [str(f) for f in files]}))
        return
    for name, r in results.items():
        table = Table(f"{name}: metric", "value")
        for k, v in r.items():
            table.add_row(k, json.dumps(v) if isinstance(v, dict) else str(v))
        out.print(table)
    out.print(f"report: {report_dir / 'report.md'}")


@eval_app.command("redteam")
def eval_redteam(
    payloads: Annotated[Path, typer.Option(help="folder with the BIPIA and labelled injection files")] = Path(
        "../shared/data/injection"),
    limit: Annotated[int | None, typer.Option(help="at most N planted attacks (spread over families)")] = None,
    probes: Annotated[int, typer.Option(help="random ACL probes")] = 200,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Indirect injection (extractive and gullible model), direct injection, ACL probes."""
    from eval.redteam import run_redteam

    with _bar() as bar:
        tasks: dict[str, Any] = {}

        def step(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(f"attacks ({name})", total=total)
            bar.update(tasks[name], completed=done)

        try:
            summary = run_redteam(settings(), payloads, limit, probes, step)
        except CairnError as exc:
            raise fail(exc) from exc
    if as_json:
        print(json.dumps(summary))
        return
    table = Table("model", "family", "cases", "attack success", "side effects", "shown", "disclosed", "utility")
    for model, r in summary["indirect"].items():
        for fam, st in [("(all)", r["total"]), *r["families"].items()]:
            table.add_row(model, fam, str(st["cases"]), f"{st['attack_success_rate']:.3f}", str(st["side_effects"]),
                          str(st["shown"]), str(st["disclosed"]), f"{st['utility_under_attack']:.3f}")
    out.print(table)
    out.print(f"direct injection: {summary['direct']}")
    out.print(f"ACL probes: {summary['acl_probes']}")


@eval_app.command("gate")
def eval_gate(
    gates: Annotated[Path | None, typer.Option(help="gates file; default eval/gates.yaml")] = None,
    suite: Annotated[list[str] | None, typer.Option(help="run only these suites (repeatable)")] = None,
    report: Annotated[Path | None, typer.Option(help="write report.json, report.md and PNG charts here")] = None,
    baseline: Annotated[Path | None, typer.Option(help="baseline JSON; default eval/baseline.json")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run the fast suites and fail (exit 1) on any metric past its bound in eval/gates.yaml."""
    from eval.gate import GATES_FILE, SUITES, load_gates, run_gate
    from eval.report import BASELINE_FILE, load_baseline, markdown, write_report

    file = gates or GATES_FILE
    chosen = tuple(suite) if suite else SUITES
    for name in chosen:
        if name not in SUITES:
            raise typer.BadParameter(f"unknown suite {name!r}; choose from {', '.join(SUITES)}")
    # Data paths in the gates file are relative to the project root (where the file's folder lives).
    result = run_gate(settings(), load_gates(file), file.resolve().parent.parent, chosen).to_json()
    base = load_baseline(baseline or BASELINE_FILE)
    if report is not None:
        for p in write_report(result, report, base):
            err.print(f"wrote {p}")
    if as_json:
        print(json.dumps(result))
    else:
        out.print(markdown(result, base), markup=False)
    if not result["passed"]:
        raise typer.Exit(1)


def _bar() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, disable=not err.is_terminal)


if __name__ == "__main__":
    main()
