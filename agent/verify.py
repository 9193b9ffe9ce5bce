"""The citation verifier: every sentence must cite a readable source whose quoted span supports it."""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.answer import Answer, Citation, SentenceVerdict
from agent.ports import DocumentReader
from agent.sentences import sentence_spans
from agent.units import join_units
from agent.untrusted import is_attempt, scan
from kernel.types import Principal

MARKER = re.compile(r"\s*\[(\d+)\]")
SupportFn = Callable[[str, str], float]


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def quote_stands(text: str, start: int, end: int, quote: str) -> bool:
    """The one citation check: the quote is exactly the source's text at its offsets."""
    return 0 <= start <= end <= len(text) and text[start:end] == quote


def check_citation(c: Citation, docs: DocumentReader, principal: Principal) -> str:
    """'' when the quote is exactly at its offsets in a document the principal may read; else why not."""
    doc = docs.get_document(c.document_id)
    if doc is None or not principal.may_read(list(doc.acl)) or doc.status != "indexed":
        return "cited source not available"
    if not quote_stands(doc.text, c.start, c.end, c.quote):
        return "stale: the source changed since it was quoted"
    return ""


def verify(answer: Answer, docs: DocumentReader, principal: Principal, support: SupportFn, threshold: float) -> Answer:
    by_n = {c.n: c for c in answer.citations}
    problems = {c.n: check_citation(c, docs, principal) for c in answer.citations}
    kept: list[SentenceVerdict] = []
    removed: list[SentenceVerdict] = []
    for s in answer.sentences:
        plain = strip_markers(s.text)
        cited = [by_n[n] for n in s.citations if n in by_n]
        if is_attempt(scan(plain)):
            # Output guard: an answer never relays an instruction planted in a source, supported or not. A
            # link in a procedure step is no such instruction; the link policy still defangs it unless the
            # corpus allows its domain.
            removed.append(s.model_copy(update={"verdict": "unsupported", "support": 0.0,
                                                "reason": "reads as an instruction planted in a source"}))
            continue
        if not cited:
            removed.append(s.model_copy(update={"verdict": "unsupported", "support": 0.0, "reason": "no citation"}))
            continue
        bad = [problems[c.n] for c in cited if problems[c.n]]
        if bad:
            removed.append(s.model_copy(update={"verdict": "unsupported", "support": 0.0, "reason": bad[0]}))
            continue
        score = max(1.0 if plain in c.quote or c.quote in plain else support(plain, c.quote) for c in cited)
        if score < threshold:
            removed.append(s.model_copy(update={"verdict": "unsupported", "support": score,
                                                "reason": "the cited span does not support it"}))
            continue
        kept.append(s.model_copy(update={"verdict": "supported", "support": score}))
    used = {n for s in kept for n in s.citations}
    return answer.model_copy(update={
        "sentences": kept, "removed": [*answer.removed, *removed],
        "answer": join_units([s.text for s in kept]),
        "citations": [c for c in answer.citations if c.n in used],
    })


def split_answer(text: str) -> list[SentenceVerdict]:
    """Split generated text into sentences, each with the [n] markers it carries ("A. [1] B [2]." too)."""
    parts: list[str] = []
    for a, b in sentence_spans(text):
        seg = text[a:b]
        lead = re.match(r"((?:\s*\[\d+\])+)\s*", seg)
        if lead and parts:
            parts[-1] += " " + lead.group(1).strip()
            seg = seg[lead.end():]
        if seg.strip():
            parts.append(seg.strip())
    return [SentenceVerdict(text=p, citations=[int(n) for n in MARKER.findall(p)]) for p in parts]
