"""Issue 17 item 6: a decisive exact match (an identifier, an error name, a config key) is found first, without
giving up fusion for ordinary questions."""

from __future__ import annotations

import random
from pathlib import Path

from ingest.manifest import load_manifest
from ingest.pipeline import ingest
from kernel.types import Principal
from retrieval.fusion import promote_decisive, ranked
from retrieval.search import SearchRequest
from testing.docs import manifest
from wiring.services import Services

TOPICS = ["leave", "travel", "expenses", "security", "laptops", "parking", "training", "payroll"]


def test_promote_decisive_is_pure_and_needs_a_clear_margin() -> None:
    fused = {"a": 0.09, "b": 0.08, "c": 0.07}
    docs = {"a": "A", "b": "B", "c": "C", "c2": "C"}
    assert ranked(promote_decisive(fused, {"c": 9.0, "c2": 8.5, "a": 3.0}, docs, 2.0))[0][0] == "c"
    assert promote_decisive(fused, {"c": 5.0, "a": 3.0}, docs, 2.0) == fused  # 5 < 2 x 3: no promotion
    assert promote_decisive(fused, {}, docs, 2.0) == fused
    assert fused == {"a": 0.09, "b": 0.08, "c": 0.07}


def test_every_documents_unique_token_finds_it_first(tmp_path: Path, services: Services) -> None:
    rng = random.Random(5)
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    tokens = {}
    for i in range(60):
        topic = TOPICS[i % len(TOPICS)]
        tok = [f"ERR_{rng.randrange(10**6):06d}", f"cfg.{topic}.limit{i}", f"LarchFault{i}X"][i % 3]
        tokens[f"ids/doc{i:02}.md"] = tok
        (root / "docs" / f"doc{i:02}.md").write_text(
            f"# {topic.title()} note {i}\n\nThis note explains the {topic} policy for team {i}. Staff follow the "
            f"{topic} rules described by the handbook, and questions go to the service desk.\n\n"
            f"If the system reports {tok}, contact the desk.\n")
    manifest(root, "ids", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    ingest(load_manifest(root), services.settings, services.store, services.index, services.embedder,
           services.bm25)
    who = Principal("emma", ("staff",))
    first = 0
    for doc, tok in tokens.items():
        res = services.searcher.search(SearchRequest(tok, who, k=5))
        first += bool(res.results) and res.results[0].chunk.document_id == doc
    assert first == len(tokens), f"{first} of {len(tokens)} found first"
    # An ordinary question is left to fusion: nothing is promoted without a decisive margin.
    req = SearchRequest("what are the travel rules for staff", who, k=5)
    plain = services.searcher.search(req, services.searcher.config.with_(decisive_ratio=None))
    assert [r.chunk.chunk_id for r in services.searcher.search(req).results] == [
        r.chunk.chunk_id for r in plain.results]
