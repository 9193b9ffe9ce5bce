"""`cairn report kpis`: the seed's KPIs over a window, from the stored answers, audit log and tickets."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from cli.common import out, settings

report_app = typer.Typer(help="Reports over what Cairn stored.", no_args_is_help=True)


@dataclass(frozen=True)
class Kpis:
    answers: int
    answered: int
    successful: int  # answered, and verification removed no sentence
    groundedness: float  # successful / answered
    abstention_rate: float
    tool_calls: int
    tool_call_success: float  # calls that ran without error / calls that ran (policy refusals not counted)
    loop_rate: float  # runs with a repeated call refused / answers
    injection_blocks: int  # writes refused after retrieved text, and passages flagged
    escalation_rate: float  # tickets opened / answers
    latency_p50_ms: float
    latency_p95_ms: float
    tokens: int
    cost: float
    cost_per_answer: float
    cost_per_successful_task: float
    by_model: dict[str, dict[str, float]]
    by_profile: dict[str, dict[str, float]]  # answer profile versions: how a canary compares with the current


def _share(n: float, d: float) -> float:
    return round(n / d, 4) if d else 0.0


def kpis(answers: list[dict[str, Any]], audit: list[tuple[str, str, str]], safety_kinds: list[str],
         tickets: int) -> Kpis:
    """From answer bodies, audit rows as (trace id, decision, outcome), safety event kinds and a ticket count."""
    answered = [a for a in answers if not a.get("abstained")]
    successful = [a for a in answered if not a.get("removed")]
    ran = [d for _, d, _ in audit if d in ("allowed", "error")]
    looped = {t for t, _, outcome in audit if outcome == "loop_detected"}
    latencies = [float(a.get("latency_ms", 0.0)) for a in answers]
    cost = sum(float(a.get("usage", {}).get("cost", 0.0)) for a in answers)
    tokens = sum(int(a.get("usage", {}).get(k, 0)) for a in answers for k in ("prompt_tokens", "completion_tokens"))
    return Kpis(
        answers=len(answers), answered=len(answered), successful=len(successful),
        groundedness=_share(len(successful), len(answered)),
        abstention_rate=_share(len(answers) - len(answered), len(answers)),
        tool_calls=len(audit), tool_call_success=_share(sum(d == "allowed" for d in ran), len(ran)),
        loop_rate=_share(len({a.get("trace_id") for a in answers} & looped), len(answers)),
        injection_blocks=len(safety_kinds), escalation_rate=_share(tickets, len(answers)),
        latency_p50_ms=round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0,
        latency_p95_ms=round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0,
        tokens=tokens, cost=round(cost, 6), cost_per_answer=_share(cost, len(answers)),
        cost_per_successful_task=_share(cost, len(successful)),
        by_model=_by(answers, lambda a: str(a.get("model", "extractive"))),
        by_profile=_by(answers, lambda a: str(a.get("profile", 0))))


def _by(answers: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in answers:
        groups.setdefault(key(a), []).append(a)
    out: dict[str, dict[str, float]] = {}
    for name, group in sorted(groups.items()):
        cost = sum(float(a.get("usage", {}).get("cost", 0.0)) for a in group)
        successful = sum(1 for a in group if not a.get("abstained") and not a.get("removed"))
        out[name] = {"answers": len(group), "abstention_rate": _share(sum(bool(a.get("abstained")) for a in group),
                                                                        len(group)),
                     "successful": successful, "cost": round(cost, 6),
                     "tokens": sum(int(a.get("usage", {}).get(k, 0)) for a in group
                                   for k in ("prompt_tokens", "completion_tokens")),
                     "cost_per_successful_task": _share(cost, successful)}
    return out


@report_app.command("kpis")
def report_kpis(days: Annotated[float, typer.Option(help="the window, in days back from now")] = 7.0,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Tool-call success, groundedness, loop rate, injection blocks, latency, cost per successful task and
    escalation rate over the window. Injection *success* is measured by `cairn eval redteam`, not here."""
    from kernel.store import Store
    from kernel.store.base import utcnow

    store = Store(settings().db_url)
    try:
        since = utcnow() - timedelta(days=days)
        answers = [r.body for r in store.records.answers(since=since, limit=1_000_000)]
        audit = [(r.trace_id, r.decision, r.outcome) for r in store.records.audit(since=since, limit=10_000_000)]
        kinds = [e.kind for e in store.records.safety_events(since=since)]
        tickets = len(store.records.tickets(since=since))
    finally:
        store.close()
    k = kpis(answers, audit, kinds, tickets)
    if as_json:
        print(json.dumps({"days": days, **asdict(k)}))
        return
    table = Table("KPI", "value")
    for name, value in asdict(k).items():
        if name not in ("by_model", "by_profile"):
            table.add_row(name.replace("_", " "), str(value))
    out.print(table)
    per = Table("profile", "answers", "abstention rate", "successful", "cost per successful task")
    for version, p in k.by_profile.items():
        per.add_row(version, str(p["answers"]), str(p["abstention_rate"]), str(p["successful"]),
                    str(p["cost_per_successful_task"]))
    out.print(per)
