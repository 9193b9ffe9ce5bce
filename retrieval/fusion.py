"""Pure fusion functions over ranked legs. Ties break on the id, so every run gives the same order."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Literal


def rrf(rankings: Sequence[Sequence[str]], k: float = 60.0, weights: Sequence[float] | None = None
        ) -> dict[str, float]:
    """Reciprocal-rank fusion: sum of w / (k + rank), ranks from 1."""
    ws = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(ws) != len(rankings):
        raise ValueError("one weight per ranking")
    out: dict[str, float] = {}
    for ranking, w in zip(rankings, ws, strict=True):
        for rank, key in enumerate(ranking, start=1):
            out[key] = out.get(key, 0.0) + w / (k + rank)
    return out


def dbsf_normalise(scores: Mapping[str, float]) -> dict[str, float]:
    """Distribution-based normalisation: mean ± 3 standard deviations map to [0, 1]."""
    if not scores:
        return {}
    vals = list(scores.values())
    mean = sum(vals) / len(vals)
    std = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))
    if std == 0:
        return {key: 0.5 for key in scores}
    lo, hi = mean - 3 * std, mean + 3 * std
    return {key: min(max((v - lo) / (hi - lo), 0.0), 1.0) for key, v in scores.items()}


def minmax_normalise(scores: Mapping[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi == lo:
        return {key: 1.0 for key in scores}
    return {key: (v - lo) / (hi - lo) for key, v in scores.items()}


def weighted_score_fusion(
    legs: Sequence[Mapping[str, float]], weights: Sequence[float] | None = None,
    method: Literal["minmax", "dbsf"] = "minmax",
) -> dict[str, float]:
    """Normalise each leg's scores (minmax or dbsf), then sum them with weights; absent counts as 0 (the
    leg's worst). Unlike rank fusion it keeps how far a hit leads: a BM25 score far above the rest stays far
    above. DBSF clips at mean + 3 standard deviations, which flattens exactly those leads."""
    norm = dbsf_normalise if method == "dbsf" else minmax_normalise
    ws = list(weights) if weights is not None else [1.0] * len(legs)
    if len(ws) != len(legs):
        raise ValueError("one weight per leg")
    out: dict[str, float] = {}
    for leg, w in zip(legs, ws, strict=True):
        for key, v in norm(leg).items():
            out[key] = out.get(key, 0.0) + w * v
    return out


def interpolate(first: Mapping[str, float], second: Mapping[str, float], weight: float) -> dict[str, float]:
    """(1 - weight) * minmax(first) + weight * minmax(second), over the keys of `first`."""
    a, b = minmax_normalise(first), minmax_normalise(second)
    return {key: (1 - weight) * a[key] + weight * b.get(key, 0.0) for key in a}


def promote_decisive(fused: Mapping[str, float], sparse: Mapping[str, float], document_of: Mapping[str, str],
                     ratio: float) -> dict[str, float]:
    """Put the BM25 leg's best hit first when it wins *decisively*: its score is at least `ratio` times
    the best score of any other document. That is what an exact identifier, error name or config key
    looks like to BM25, and rank fusion alone would bury it under the dense leg's near-misses."""
    out = dict(fused)
    if not sparse or not out:
        return out
    order = ranked(sparse)
    top, top_score = order[0]
    rival = next((s for c, s in order[1:] if document_of.get(c) != document_of.get(top)), 0.0)
    if top_score > 0 and top_score >= ratio * rival:
        _put_first(out, top)
    return out


def _put_first(scores: dict[str, float], key: str) -> None:
    scores[key] = max(scores.values(), default=0.0) + 1e-9


_IDENT = re.compile(r"[A-Za-z0-9][\w.\-/:]*[A-Za-z0-9]")


def identifiers(query: str) -> list[str]:
    """The query's tokens that look like identifiers — an error name, a config key, a code — rather than
    words: a digit, an underscore, a dot, hyphen, slash or colon inside, or a capital after the first letter."""
    out = []
    for tok in _IDENT.findall(query):
        inner = tok[1:]
        if len(tok) >= 4 and (any(c.isdigit() for c in tok) or any(c in "_.-/:" for c in tok)
                              or any(c.isupper() for c in inner)):
            out.append(tok.lower())
    return out


def promote_exact(fused: Mapping[str, float], sparse: Mapping[str, float], text_of: Mapping[str, str],
                  document_of: Mapping[str, str], query: str) -> dict[str, float]:
    """Put first the one document that holds a query identifier verbatim, when exactly one of the lexical
    candidates does: that is a decisive exact match, whatever the dense leg thinks of it."""
    out = dict(fused)
    for ident in identifiers(query):
        holders = [c for c, _ in ranked(sparse) if ident in text_of.get(c, "").lower()]
        if holders and len({document_of.get(c) for c in holders}) == 1:
            _put_first(out, holders[0])
            return out
    return out


def ranked(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """Highest score first; equal scores in id order."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
