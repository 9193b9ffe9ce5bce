"""The fast quality gate passes on main, and fails on deliberately broken builds."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from qdrant_edge import Filter

import agent.extractive
import index.edge
from eval.gate import load_gates, run_gate
from kernel.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# A gate run is minutes of model inference (about 6 min for the full gate on an idle 2-core machine), so
# the suite-wide 600 s hang guard is too close: on a loaded machine it stopped a gate that was still working.
GATE_TIMEOUT_S = 1800


@pytest.fixture
def base(tmp_path: Path) -> Settings:
    # A shared scratch dir keeps the sampled SciFact index between the tests of one run.
    return Settings(data_dir=Path(".cairn").resolve(), torch_threads=2)


@pytest.mark.timeout(GATE_TIMEOUT_S)
def test_gate_passes_on_main(base: Settings, tmp_path: Path) -> None:
    from eval.report import load_baseline, write_report

    result = run_gate(base, load_gates(), ROOT)
    files = write_report(result.to_json(), tmp_path / "report", load_baseline())
    failed = [c for c in result.checks if not c.passed]
    assert not failed, failed
    assert {c.name for c in result.checks} >= {"answers.citation_validity", "redteam.acl_leaks", "golden.pass_rate"}
    assert "| citation_validity |" in (tmp_path / "report" / "report.md").read_text()
    assert any(f.suffix == ".png" and f.stat().st_size > 1000 for f in files)


@pytest.mark.timeout(GATE_TIMEOUT_S)
def test_gate_fails_without_the_acl_filter(base: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    original = index.edge._access

    def no_acl(access: Any, extra: list[Any] | None = None) -> Any:
        flt = original(access, extra)
        return Filter(must=list(flt.must or [])[1:] or None)  # drop the ACL condition

    monkeypatch.setattr(index.edge, "_access", no_acl)
    gates = load_gates()
    gates["redteam"]["attacks"], gates["redteam"]["probes"] = 3, 12  # without the filter, any probe leaks
    result = run_gate(base, gates, ROOT, suites=("redteam",))
    assert not result.passed
    assert any(c.name == "redteam.acl_leaks" and not c.passed for c in result.checks)


@pytest.mark.timeout(GATE_TIMEOUT_S)
def test_gate_fails_with_shuffled_citations(base: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    original = agent.extractive.compose

    def shuffled(question: str, searched: list[str], picked: list[Any], ctx: Any) -> Any:
        ans = original(question, searched, picked, ctx)
        rng = random.Random(1)
        for c in ans.citations:
            shift = rng.randint(5, 40)
            c.start, c.end = c.start + shift, c.end + shift
        return ans

    monkeypatch.setattr(agent.extractive, "compose", shuffled)
    gates = load_gates()
    gates["sample"]["asked"] = 6  # the same index as the passing run; a few answers show the breakage
    result = run_gate(base, gates, ROOT, suites=("answers",))
    assert not result.passed
    assert any(c.name == "answers.citation_validity" and not c.passed for c in result.checks)
