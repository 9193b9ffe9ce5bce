"""The models every stage shares: the embedder (dense vectors and its own token spans) and the ONNX
cross-encoders (the search reranker, the answer scorers). Loaded once at the edge and passed in."""
