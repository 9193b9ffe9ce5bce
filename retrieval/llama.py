"""Cairn's ACL-aware hybrid retriever, exposed to LlamaIndex applications.

ACL filtering, offsets and scoring stay Cairn's: this adapter only reshapes results into LlamaIndex nodes,
always searching as the principal it was built for.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from kernel.types import Principal
from retrieval.search import HybridSearcher, SearchRequest


class CairnRetriever(BaseRetriever):
    def __init__(self, searcher: HybridSearcher, principal: Principal, k: int = 10,
                 corpora: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._searcher, self._principal, self._k, self._corpora = searcher, principal, k, corpora

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        res = self._searcher.search(SearchRequest(query_bundle.query_str, self._principal, k=self._k,
                                                  corpora=self._corpora))
        out = []
        for r in res.results:
            c = r.chunk
            node = TextNode(id_=c.chunk_id, text=c.text, metadata={
                "document_id": c.document_id, "corpus": c.corpus, "source": c.source, "title": c.title,
                "start": c.start, "end": c.end, "heading_path": list(c.heading_path), "page": c.page})
            out.append(NodeWithScore(node=node, score=r.score))
        return out
