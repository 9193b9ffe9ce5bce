"""The retrieval eval: metric functions against ir-measures, and the command end to end on a tiny BEIR set."""

from __future__ import annotations

import json
from pathlib import Path

import ir_measures
import pytest
from ir_measures import MRR, R, nDCG
from typer.testing import CliRunner

from cli.main import app
from eval.metrics import mrr_at_k, ndcg_at_k, percentile, recall_at_k


def test_metrics_by_hand() -> None:
    qrels = {"a": 1, "b": 1}
    assert ndcg_at_k(["a", "b", "c"], qrels) == pytest.approx(1.0)
    assert ndcg_at_k(["c", "a"], qrels) == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625))
    assert recall_at_k(["a", "x"], qrels, 100) == 0.5
    assert mrr_at_k(["x", "y", "b"], qrels) == pytest.approx(1 / 3)
    assert mrr_at_k(["x"], qrels) == 0.0
    assert percentile([1, 2, 3, 4], 0.5) == 2.5


def test_metrics_agree_with_ir_measures() -> None:
    qrels = {"q1": {"d1": 1, "d4": 1, "d9": 2}, "q2": {"d2": 1}}
    run = {"q1": ["d3", "d1", "d5", "d9", "d7", "d4"], "q2": ["d8", "d6", "d2"]}
    trec_run = [ir_measures.ScoredDoc(q, d, float(100 - i)) for q, ds in run.items() for i, d in enumerate(ds)]
    trec_qrels = [ir_measures.Qrel(q, d, g) for q, r in qrels.items() for d, g in r.items()]
    ref = ir_measures.calc_aggregate([nDCG @ 10, R @ 100, MRR @ 10], trec_qrels, trec_run)
    ours_ndcg = sum(ndcg_at_k(run[q], qrels[q], 10) for q in run) / 2
    ours_recall = sum(recall_at_k(run[q], qrels[q], 100) for q in run) / 2
    ours_mrr = sum(mrr_at_k(run[q], qrels[q], 10) for q in run) / 2
    assert ours_ndcg == pytest.approx(ref[nDCG @ 10], abs=1e-6)
    assert ours_recall == pytest.approx(ref[R @ 100], abs=1e-6)
    assert ours_mrr == pytest.approx(ref[MRR @ 10], abs=1e-6)


def test_eval_retrieval_command_on_a_small_beir_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = tmp_path / "tiny"
    (ds / "qrels").mkdir(parents=True)
    topics = {"d1": ("Volcanoes", "Magma rises through the crust and erupts from volcanoes as lava."),
              "d2": ("Photosynthesis", "Plants turn sunlight, water and carbon dioxide into sugar and oxygen."),
              "d3": ("Tides", "The gravitational pull of the moon causes ocean tides on Earth."),
              "d4": ("Vaccines", "Vaccines train the immune system to recognise a pathogen before infection.")}
    (ds / "corpus.jsonl").write_text("\n".join(
        json.dumps({"_id": k, "title": t, "text": x, "metadata": {}}) for k, (t, x) in topics.items()) + "\n")
    queries = {"q1": "what makes lava come out of a volcano", "q2": "how do plants make oxygen from light",
               "q3": "why does the sea level rise and fall with the moon"}
    (ds / "queries.jsonl").write_text("\n".join(json.dumps({"_id": k, "text": v}) for k, v in queries.items()))
    (ds / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\n")
    monkeypatch.setenv("CAIRN_DATA_DIR", str(tmp_path / ".cairn"))
    monkeypatch.setenv("CAIRN_TORCH_THREADS", "1")
    run_out = tmp_path / "run.trec"
    args = ["eval", "retrieval", "--dataset", str(ds), "--split", "test", "--run-out", str(run_out),
            "--config", "bm25", "--config", "hybrid", "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    assert summary["ingest"]["added"] == 4
    by = {c["config"]: c for c in summary["configs"]}
    assert by["hybrid"]["ndcg@10"] >= 0.8 and by["hybrid"]["recall@100"] == pytest.approx(1.0)
    assert by["hybrid"]["queries"] == 3
    lines = (tmp_path / "run.hybrid.trec").read_text().splitlines()
    first = lines[0].split()
    assert first[:2] == ["q1", "Q0"] and first[3] == "1" and first[5] == "cairn-hybrid"
    assert {ln.split()[2] for ln in lines if ln.startswith("q1 ")} == set(topics)
    again = CliRunner().invoke(app, args)  # the scratch index is reused: nothing re-ingested
    assert json.loads(again.output.strip().splitlines()[-1])["ingest"]["unchanged"] == 4
    assert (tmp_path / ".cairn" / "eval").is_dir()


def test_each_config_sets_reranking_explicitly() -> None:
    from eval.retrieval import config_for
    from retrieval.search import SearchConfig

    on = SearchConfig(rerank=True)
    assert not config_for("hybrid", on).rerank and config_for("hybrid+rerank", SearchConfig()).rerank
    assert config_for("bm25", on).mode == "sparse" and not config_for("dense", on).rerank


def test_eval_answers_runs_a_domain_and_writes_its_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    (data / "injection").mkdir(parents=True)
    # BIPIA's labels hold for the carrier only: the same question is "unknown" about the newsletter, though
    # the receipt answers it. Asked from its carrier's mailbox, the newsletter's question must be abstained on;
    # over one shared corpus it was answered from the receipt and counted as a failure.
    rows = [{"context": "SUBJECT: Receipt|CONTENT: Your card was charged $120.00 by Eurostar for a train ticket.",
             "question": "Q: Find the $ value paid to Eurostar?", "ideal": "$120.00"},
            {"context": "SUBJECT: Newsletter|CONTENT: Our product update for January is out.",
             "question": "Q: Find the $ value paid to Eurostar?", "ideal": "unknown"}]
    (data / "injection" / "email_train.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    monkeypatch.setenv("CAIRN_DATA_DIR", str(tmp_path / ".cairn"))
    monkeypatch.setenv("CAIRN_TORCH_THREADS", "1")
    report = tmp_path / "report"
    res = CliRunner().invoke(app, ["eval", "answers", "--suite", "email", "--data", str(data), "--report-dir",
                                   str(report), "--json"])
    assert res.exit_code == 0, res.output
    email = json.loads(res.output.strip().splitlines()[-1])["domains"]["email"]
    assert email["answerable"] == 1 and email["unanswerable"] == 1
    assert email["answered_right"] == 1.0 and email["unanswerable_abstained"] == 1.0, email
    assert (report / "email.png").stat().st_size > 1000 and "## email" in (report / "report.md").read_text()
    assert len((report / "email-answers.jsonl").read_text().splitlines()) == 2
    bad = CliRunner().invoke(app, ["eval", "answers", "--suite", "nope", "--data", str(data)])
    assert bad.exit_code == 2 and "unknown suite" in bad.output
