from __future__ import annotations

from pathlib import Path

from ingest.manifest import load_manifest
from ingest.pipeline import ingest
from kernel.types import Principal
from retrieval.llama import CairnRetriever
from testing.docs import manifest
from wiring.services import Services


def test_llamaindex_retriever_keeps_acl_and_offsets(tmp_path: Path, services: Services) -> None:
    (tmp_path / "docs" / "hr").mkdir(parents=True)
    (tmp_path / "docs" / "a.md").write_text("# Parking\n\nThe garage on level two is free for employees.\n")
    (tmp_path / "docs" / "hr" / "b.md").write_text("# Payroll\n\nThe garage fee is deducted from salaries.\n")
    manifest(tmp_path, "kb", {"path": "./docs"}, {"default": {"groups": ["staff"]},
                                                  "rules": [{"match": "hr/**", "groups": ["hr"]}]})
    ingest(load_manifest(tmp_path), services.settings, services.store, services.index, services.embedder,
           services.bm25)
    nodes = CairnRetriever(services.searcher, Principal("u", ("staff",)), k=5).retrieve("garage")
    assert nodes and {n.node.metadata["document_id"] for n in nodes} == {"kb/a.md"}
    doc = services.store.catalogue.get_document("kb/a.md")
    meta = nodes[0].node.metadata
    assert doc is not None and doc.text[meta["start"] : meta["end"]] == nodes[0].node.get_content()
