"""`cairn eval`: a thin layer over `eval/` — retrieval, answers, red team, the quality gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TaskID
from rich.table import Table

from cli.common import (
    err,
    fail,
    out,
    progress_bar,
    settings,
)
from kernel.errors import CairnError

eval_app = typer.Typer(help="Evaluation suites and quality gates.", no_args_is_help=True)


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
        with progress_bar() as bar:
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
        with progress_bar() as bar:
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

    with progress_bar() as bar:
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
    profile: Annotated[int | None, typer.Option(help="gate this answer profile version against the current "
                                                "one; the verdict is what `cairn rollout promote` checks")] = None,
    against: Annotated[int | None, typer.Option(help="with --profile: compare with this version instead of the "
                                                "current one")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run the fast suites and fail (exit 1) on any metric past its bound in eval/gates.yaml; with --profile,
    also on any gated metric where the candidate does worse than the current profile."""
    from eval.gate import GATES_FILE, SUITES, load_gates, run_gate
    from eval.report import BASELINE_FILE, load_baseline, markdown, write_report

    file = gates or GATES_FILE
    chosen = tuple(suite) if suite else SUITES
    for name in chosen:
        if name not in SUITES:
            raise typer.BadParameter(f"unknown suite {name!r}; choose from {', '.join(SUITES)}")
    if profile is not None:
        _gate_profile(profile, against, file, chosen, as_json)
        return
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


def _gate_profile(candidate: int, against: int | None, file: Path, chosen: tuple[str, ...], as_json: bool) -> None:
    """Both profiles through the same suites (the scratch indexes are shared: a profile changes no chunking),
    compared metric by metric; the verdict is stored for `cairn rollout promote`."""
    import getpass

    from eval.gate import SUITES, load_gates, regressions, run_gate
    from kernel.rollout import Rollout
    from kernel.store import Store
    from wiring.agents import profile_of

    s = settings()
    rollout = Rollout(Store(s.db_url), 0.0)
    try:
        current = rollout.state().current if against is None else against
        cand_settings = profile_of(candidate, rollout, s).apply(s)
        cur_settings = profile_of(current, rollout, s).apply(s)
    except CairnError as exc:
        raise fail(exc) from exc
    gates = load_gates(file)
    root = file.resolve().parent.parent
    err.print(f"gate: current profile (version {current})")
    cur = run_gate(cur_settings, gates, root, chosen)
    err.print(f"gate: candidate profile (version {candidate})")
    cand = run_gate(cand_settings, gates, root, chosen)
    regs = regressions(cur.metrics, cand.metrics, gates["checks"], gates.get("regression", {}).get("tolerance", {}))
    failed_checks = [f"{c.name} {c.value} past its bound {c.bound}" for c in cand.checks if not c.passed]
    passed = not regs and not failed_checks
    complete = set(chosen) >= set(SUITES)
    verdict = {"candidate": candidate, "current": current, "passed": passed, "complete": complete,
               "suites": list(chosen), "regressions": regs + failed_checks,
               "metrics": {"current": cur.metrics, "candidate": cand.metrics}}
    rollout.record_gate(candidate, current, passed=passed, complete=complete, report=verdict,
                        by=f"cli:{getpass.getuser()}")
    if as_json:
        print(json.dumps(verdict))
    else:
        table = Table("metric", f"v{current}", f"v{candidate}", "delta")
        for name in gates["checks"]:
            if name in cand.metrics and name in cur.metrics:
                table.add_row(name, f"{cur.metrics[name]:.4g}", f"{cand.metrics[name]:.4g}",
                              f"{cand.metrics[name] - cur.metrics[name]:+.4g}")
        out.print(table)
        out.print(f"version {candidate} against version {current}: "
                  + ("[green]passed[/green]" if passed else "[red]refused[/red]: " + "; ".join(regs + failed_checks))
                  + ("" if complete else " (some suites only: promotion needs a run of all)"))
    if not passed:
        raise typer.Exit(1)
