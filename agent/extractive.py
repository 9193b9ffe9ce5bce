"""The built-in extractive responder (no LLM): search, pick the sentences that answer, cite each one.

Every answer sentence is a verbatim span of its cited document, so citations are exact by construction.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from agent.acronyms import asked_acronym, spells_out
from agent.answer import ABSTAIN_TEXT, Answer, Citation, SentenceVerdict
from agent.code_match import asked_action, common_words, does_asked_action, runs_asked_action
from agent.context import RunContext, ToolCall
from agent.doc_order import answering_order, leading_passages
from agent.governance import Handler
from agent.list_match import asked_for, names_what_is_listed
from agent.row_match import keyed_by_code, looked_up, prefer_stated_rows
from agent.sentence_model import (
    FEATURES,
    SentenceModel,
    Span,
    asked,
    content_words,
    covers,
    features,
    overlaps,
)
from agent.sentences import sentence_spans
from agent.term_match import continued_terms, defined_term, looked_up_terms, one_word_name
from agent.tool_results import Passage, SearchResult
from agent.units import (
    EXEMPLIFIES,
    POINTS_BACK,
    Kind,
    Unit,
    announces,
    answer_units,
    block_after,
    block_before,
    contents_entry,
    fence_before,
    fenced_code,
    join_units,
    line_after,
    list_goes_on,
    long_blocks,
    nested_items,
    opens_item,
    past_marker,
    whole_blocks,
)
from agent.untrusted import is_attempt, scan, urls
from agent.vetoes import (
    absent_name,
    asked_names,
    asks_how_to,
    asks_why,
    gives_reason,
    holds_typed,
    mentions,
    other_member,
    other_value,
    other_version,
    other_year,
    poses_question,
    restates,
    says_how,
)
from kernel.rows import cells, spoken
from kernel.text import same_words
from models.cross_encoder import Reranker
from models.embed import Embedder


class SentenceScorer(Protocol):
    def score(self, question: str, sentences: Sequence[str]) -> list[float]: ...


class CrossEncoderScorer:
    def __init__(self, reranker: Reranker) -> None:
        self._rr = reranker

    def score(self, question: str, sentences: Sequence[str]) -> list[float]:
        return self._rr.score(question, sentences) or [0.0] * len(sentences)


class EmbeddingScorer:
    """Question-to-unit cosine. Every unit of the retrieved chunks is embedded, which was most of an answer's
    time; popular passages come back question after question, so their units' vectors are kept (bounded,
    least recently used first out)."""

    def __init__(self, embedder: Embedder, cache_size: int = 20_000) -> None:
        self._e = embedder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()

    def score(self, question: str, sentences: Sequence[str]) -> list[float]:
        return self.score_units(question, sentences, {})

    def score_units(self, question: str, texts: Sequence[str], parts: dict[int, tuple[int, int]]) -> list[float]:
        """Like `score`, but a unit made of two others (`parts`: its index -> theirs) is scored by the
        normalized sum of their vectors, not embedded itself: pairs of sentences are half the units and two
        thirds of the text, and embedding them was most of an answer's time on long documents."""
        if not texts:
            return []
        own = [i for i in range(len(texts)) if i not in parts]
        vecs = np.zeros((len(texts), self._e.dim), dtype=np.float32)
        if own:
            vecs[own] = self.vectors([texts[i] for i in own])
        for i, (a, b) in parts.items():
            v = vecs[a] + vecs[b]
            vecs[i] = v / max(float(np.linalg.norm(v)), 1e-9)
        return [float(x) for x in vecs @ self._e.embed_query(question)]

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            known = {t: v for t in dict.fromkeys(texts) if (v := self._cache.get(t)) is not None}
            for t in known:
                self._cache.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = np.asarray(self._e.embed_documents(missing), dtype=np.float32)
            with self._lock:
                for t, v in zip(missing, fresh, strict=True):
                    known[t] = self._cache[t] = v
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return np.stack([known[t] for t in texts])


@dataclass(frozen=True)
class ExtractiveConfig:
    k: int = 8
    min_chars: int = 25
    rerank_docs: int = 4  # the first documents whose leading passage the cross-encoder reads (agent/doc_order.py)
    rerank_weight: float = 0.3  # its share in the order the documents answer in


@dataclass
class Candidate:
    result: Passage
    doc_rank: int
    start: int
    end: int
    text: str
    score: float = 0.0
    kind: Kind = "sentence"
    probe: str = ""  # what the scorers read; the quote stays `text`
    prefilter: float = 0.0  # the bi-encoder and word overlap's score that let it reach the cross-encoders
    opens: bool = False  # a section's opening unit, quoted from its heading
    typed: bool = False  # it holds the type of answer the question wants (the model's `type_match` feature)
    runs: bool = False  # a code block running the asked action by name (`running_blocks`)

    def __post_init__(self) -> None:
        self.probe = self.probe or self.text


class ExtractiveResponder:
    """Search, score every sentence of the top documents with all three scorers, keep what the sentence model
    says answers the question, abstain when nothing clears its threshold."""

    name = "extractive"

    def __init__(self, cross: SentenceScorer, bi: EmbeddingScorer, rationale: SentenceScorer, model: SentenceModel,
                 config: ExtractiveConfig, lures: Callable[[str], bool]) -> None:
        self.cross, self.bi, self.rationale, self.model, self.config = cross, bi, rationale, model, config
        self.lures = lures

    def respond(self, question: str, query: str, ctx: RunContext, handle: Handler) -> Answer:
        cfg, m = self.config, self.model
        query = asked(query)
        out = handle(ToolCall("search_knowledge", {"query": query, "k": cfg.k}, origin="planner"), ctx)
        if not out.ok:
            return abstain(question, [query], ctx, f"search failed: {out.reason}")
        if not isinstance(out.output, SearchResult):
            return abstain(question, [query], ctx, "search returned no passages")
        # Scored against the question itself, as the answer model was fitted: a follow-up's context finds
        # the passages (the query), but scoring units against both turns favours the earlier turn's answer.
        asks = asked(question)
        results = answer_documents(query, out.output.results, self.cross, cfg)
        cands, texts = answer_candidates(
            results, lambda d: doc.text if (doc := ctx.docs.get_document(d)) is not None else None,
            m.max_docs, cfg.min_chars, ctx.flagged_chunks, self.lures, asks)
        if not cands:
            return abstain(question, [query], ctx)
        lengths = {d: len(t) for d, t in texts.items()}
        cands, rows = self.featurize(asks, cands, lengths)
        for c, x in zip(cands, rows, strict=True):
            c.score, c.typed = m.probability(x), x[TYPE_MATCH] > 0
        restate_rows(asks, cands, m.abstain_threshold)
        answered_as_asked(asks, cands, m.abstain_threshold)
        vetoed = veto(asks, cands, texts, out.output.results)
        picked = select(cands, m, [" ".join(n) for n in asked_names(asks)], why=asks_why(asks))
        if not picked:
            return abstain(question, [query], ctx, vetoed)
        picked = carried(asks, picked, ctx.flagged_chunks, self.lures)
        return compose(question, [query], picked, ctx)

    def featurize(self, question: str, cands: list[Candidate], doc_lengths: dict[str, int]
                  ) -> tuple[list[Candidate], list[list[float]]]:
        """The candidates worth the cross-encoders' time, with their feature rows. The bi-encoder and word
        overlap rank the units (every one, up to EMBED_CAP sentences); only the model's best `prefilter` go on to
        the two cross-encoder passes, which are most of an answer's latency and change nothing for units far down
        that list."""
        q = content_words(question)
        overlap = [len(q & content_words(c.probe)) / max(len(q), 1) for c in cands]
        sentences = [i for i, c in enumerate(cands) if c.kind == "sentence"]
        if len(sentences) > EMBED_CAP:
            top = set(sorted(sentences, key=lambda i: -overlap[i])[:EMBED_CAP])
            parts = pair_parts(cands)
            best = [i for i, c in enumerate(cands) if c.kind not in ("sentence", "pair") or i in top
                    or (i in parts and set(parts[i]) <= top)]  # a pair only with both its sentences
            cands, overlap = [cands[i] for i in best], [overlap[i] for i in best]
        texts = [c.probe for c in cands]
        bi = self.bi.score_units(question, texts, pair_parts(cands))
        cheap = [b + 0.5 * o for b, o in zip(bi, overlap, strict=True)]
        keep = prefiltered(question, cands, cheap, self.model.prefilter)
        for i in keep:
            cands[i].prefilter = cheap[i]
        kept, texts, bi = [cands[i] for i in keep], [texts[i] for i in keep], [bi[i] for i in keep]
        rows = features(question, texts, self.cross.score(question, texts), bi, self.rationale.score(question, texts),
                        [c.doc_rank for c in kept],
                        [c.start / max(doc_lengths.get(c.result.document_id, 1), 1) for c in kept],
                        [c.kind for c in kept], [span(c) for c in kept])
        return kept, rows


def prefiltered(question: str, cands: Sequence[Candidate], cheap: Sequence[float], n: int) -> list[int]:
    """The indexes of the units that go on to the cross-encoders: the `n` best by the `cheap` scores, any row
    the question looks up by its key, any definition it looks up by its term, any list whose lead-in names what it
    asks for and any sentence spelling out the acronym it asks about. Such a unit answers however it is scored
    (`restate_rows`, `answered_as_asked`), so it must reach the scorers however the bi-encoder reads it: "What is an S1
    bug?" ranked its row ninth, under eight sentences about bug bashes."""
    rows = [i for i, c in enumerate(cands) if c.kind == "row"]
    named = {rows[j] for j in looked_up(question, [(table(cands[i]), cands[i].text) for i in rows])}
    listed = {*listed_as_asked(question, cands), *spelled_out(question, cands), *defining(question, cands),
              *commanding(question, cands)}
    return sorted({*sorted(range(len(cands)), key=lambda i: -cheap[i])[:n], *named, *listed})


def listed_as_asked(question: str, cands: Sequence[Candidate]) -> list[int]:
    """The indexes of the lists whose lead-in names what the question asks to be listed."""
    stem = asked_for(question)
    return [] if stem is None else [i for i, c in enumerate(cands)
                                    if c.kind == "steps" and names_what_is_listed(stem, c.text)]


def commanding(question: str, cands: Sequence[Candidate]) -> list[int]:
    """The indexes of the code blocks and lists announced as doing what the question asks how to do, or running it
    by name (agent/code_match.py)."""
    return [i for i, c in enumerate(cands)
            if c.runs or does_asked_action(question, c.text, c.kind,
                                           c.result.heading_path[-1] if c.result.heading_path else "", c.opens,
                                           c.result.title)]


def spelled_out(question: str, cands: Sequence[Candidate]) -> list[int]:
    """The indexes of the sentences and pairs that spell out the acronym the question asks about."""
    acronym = asked_acronym(question)
    return [] if acronym is None else [i for i, c in enumerate(cands)
                                       if c.kind in ("sentence", "pair") and spells_out(acronym, c.text)]


def answered_as_asked(question: str, cands: Sequence[Candidate], floor: float) -> None:
    """A list whose lead-in names what the question asks to be listed (agent/list_match.py), and a sentence
    spelling out the acronym it asks about (agent/acronyms.py), takes its document's best score, and at least
    `floor`, the abstention threshold: it answers, as a row looked up by its key does. A code block announced as
    doing what the question asks how to do, or a list of steps (agent/code_match.py), goes just above its document's
    best: it is the answer the best unit talks about."""
    answering = [*listed_as_asked(question, cands), *spelled_out(question, cands)]
    commands = commanding(question, cands)
    if not answering and not commands:
        return
    best = best_by_document(cands)
    for i in answering:
        c = cands[i]
        c.score = max(c.score, best[c.result.document_id], floor)
    for i in commands:
        c = cands[i]
        c.score = max(floored(c.score, floor), best[c.result.document_id] + 0.01 * c.score)


def best_by_document(cands: Sequence[Candidate]) -> dict[str, float]:
    """Each document's best unit score."""
    best: dict[str, float] = {}
    for c in cands:
        best[c.result.document_id] = max(best.get(c.result.document_id, 0.0), c.score)
    return best


# Embedding every unit of the answer documents' chunks for the prefilter was half of an answer's time on long
# documents (eight chunks of a Wikipedia-length article: over a hundred sentences). Beyond this many sentences,
# those sharing the fewest words with the question are not embedded, nor the pairs they are part of (a pair is
# scored from its sentences' vectors); blocks always are.
EMBED_CAP = 40
TYPE_MATCH = FEATURES.index("type_match")


def table(c: Candidate) -> tuple[str, tuple[str, ...]]:
    """The table a row is of: its document and headers (a long table's rows are in several chunks); a list of
    terms, whose rows have no headers, by its chunk."""
    headers = tuple(h for h, _ in cells(c.text))
    return (c.result.document_id, headers) if headers else (c.result.chunk_id, ())


def defining(question: str, cands: Sequence[Candidate]) -> list[int]:
    """The indexes of the units that define, where their paragraph or list item starts, the one term the question
    names (agent/term_match.py)."""
    opening = [i for i, c in enumerate(cands) if c.kind in ("sentence", "pair", "row") and _opens_line(c)]
    return [opening[j] for j in looked_up_terms(question, [cands[i].text for i in opening])]


def _opens_line(c: Candidate) -> bool:
    """Does the unit open its line, after a list marker if any?"""
    text, a = c.result.text, c.start - c.result.start
    return not text[text.rfind("\n", 0, a) + 1 : a].strip() or opens_item(text, a)


def restate_rows(question: str, cands: Sequence[Candidate], floor: float) -> None:
    """The row a question describes by its cells takes its table's best score, and a row it looks up by its key
    scores at least `floor`, the abstention threshold (`agent.row_match`); so does a definition it looks up by its
    term (`defining`)."""
    best = best_by_document(cands)
    by_doc: dict[str, list[Candidate]] = {}
    for c in cands:
        if c.kind == "row":
            by_doc.setdefault(c.result.document_id, []).append(c)
    for doc, rows in by_doc.items():
        # A word of the page's title names what the whole page is about, not a row: "How do I make the dummy input
        # generate its first event at startup?" stated the row keyed "dummy" of the Dummy input's page, and its
        # sibling keyed "flush_on_startup" was held under it (check AD).
        asks = without_words(question, rows[0].result.title)
        scores = prefer_stated_rows(asks, [(table(c), c.text, c.score) for c in rows], ROW_MARGIN)
        for c, score in zip(rows, scores, strict=True):
            c.score = score
        for i in looked_up(asks, [(table(c), c.text) for c in rows]):
            rows[i].score = floored(rows[i].score, floor)
            if keyed_by_code(rows[i].text):
                # A key written as code ("scheduler.base", "storage.type") is named only to look its row up: "What
                # does scheduler.base set?" was answered by the paragraph naming both settings, the row fifth. A
                # word ("WARNING", "tmp") may be named in passing ("a logged warning"): its row only reaches the floor.
                rows[i].score = max(rows[i].score, best[doc])
    for i in defining(question, cands):
        cands[i].score = floored(cands[i].score, floor)


def without_words(question: str, title: str) -> str:
    """The question without the words of a title (whole words, any case)."""
    words = {w.lower() for w in re.findall(r"\w+", title)}
    return re.sub(r"\w+", lambda m: "" if m.group().lower() in words else m.group(), question) if words else question


def floored(score: float, floor: float) -> float:
    """`score` raised to at least `floor`, units raised so keeping their order: Django's messages page has a row for
    WARNING in three tables (purpose, tag, value), and "When should I use the WARNING message level?" quoted the
    tag's and the value's rows, tied at the floor, though the scorers put the purpose's first (check AB)."""
    return score if score >= floor else floor + 0.01 * score


def veto(question: str, cands: Sequence[Candidate], documents: dict[str, str], retrieved: Sequence[Passage] = ()
         ) -> str:
    """Zero the score of every unit that cannot answer the question (agent/vetoes.py): one that names another
    version of a versioned name in the question (FY25 when asked about FY26), or puts a number, month or weekday the
    question states otherwise ("12 November" for "on 11 of what month"), or has only the opposite of a superlative
    it asks about ("oldest" for "youngest"), or whose document never names the
    asked version (or year) but names another, or never names a name the question asks about (with its title and
    source path: "Washington" of a page on other states' leave) unless two `retrieved` documents or more of its
    own folder name it (their shared context: "WordPress" in WP-CLI's handbook; Apache's pages beside Debian
    Policy's do not make "Apache" the context of the policy's page on log rotation); a sentence that only
    restates a wh-question; a sentence or pair that ends asking a question itself; for a question asking how to do
    something, a sentence or pair that does not say what to do (`says_how`), unless it leads into the block that
    does (`leads_into_block`: "The syntax is {module}:{app}. ..." / the command), the sentence after it does
    (`told_after`), or it is quoted back over the block before it that does (`shows_block_before`). Returns the first
    reason a document was vetoed for, as the abstention's notice. How often each vetoes a gold unit of the training
    sets: README, "Where issue 17 stands" (sessions 18 and 42), and `poses_question`."""
    seen: dict[str, str] = {}
    for p in retrieved:
        seen[p.document_id] = f"{seen.get(p.document_id, '')}\n{p.title}\n{p.text}"

    def common(folder: str) -> Callable[[str], bool]:
        return lambda name: sum(mentions(text, name) for d, text in seen.items() if _folder(d) == folder) >= 2

    about = {c.result.document_id: f"{c.result.title}\n{c.result.source}\n{c.result.corpus}" for c in cands}
    by_doc = {d: why_not(question, f"{about.get(d, '')}\n{t}", common(_folder(d))) for d, t in documents.items()}
    first = ""
    how_to = asks_how_to(question)
    best = max((c.score for c in cands), default=0.0)
    described = False
    for c in cands:
        found = other_value(question, c.probe)
        why = by_doc.get(c.result.document_id) or (f"the sources name {found[1]}, not {found[0]}" if found else "")
        first = first or why
        describes = how_to and c.kind in ("sentence", "pair") and not says_how(c.text) \
            and leads_into_block(c, how=True) is None and told_after(c.result.text, c.end - c.result.start) is None \
            and not shows_block_before(c)
        described = described or (describes and c.score == best)
        if why or describes or (c.kind == "sentence" and restates(question, c.text)) or (
                c.kind in ("sentence", "pair") and poses_question(c.text)):
            c.score = 0.0
    # Every best unit only described: that is why the answer says nothing, and the abstention says so.
    if not first and described and all(c.score < best for c in cands):
        return HOW_NOT_SAID
    return first


HOW_NOT_SAID = "the sources describe this but do not say how to do it"


def _folder(document_id: str) -> str:
    return document_id.rpartition("/")[0]


def why_not(question: str, document: str, common: Callable[[str], bool]) -> str:
    """Why `document` cannot answer `question`, or "" when nothing says it cannot."""
    if found := other_version(question, document) or other_year(question, document) or other_member(question, document):
        return f"the sources name {found[1]}, not {found[0]}"
    if name := absent_name(question, document, common):
        return f"the sources never name {name}"
    return ""


def answer_documents(query: str, results: Sequence[Passage], cross: SentenceScorer, cfg: ExtractiveConfig
                     ) -> Sequence[Passage]:
    """The search results in the order their documents answer in (`agent.doc_order`). The responder and the answer
    model's calibration both order them here."""
    leading = leading_passages(results, cfg.rerank_docs)
    if len(leading) < 2:
        return results
    return answering_order(results, leading, cross.score(query, [p.text for p in leading]), cfg.rerank_weight)


def answer_candidates(results: Sequence[Passage], read: Callable[[str], str | None], max_docs: int, min_chars: int,
                      flagged: set[str], lures: Callable[[str], bool], question: str
                      ) -> tuple[list[Candidate], dict[str, str]]:
    """The answer units of the search results for `question`, and the answer documents' texts. The answer documents
    (the first `max_docs` searched) are `read` whole: to widen a chunk to the code blocks it cuts, and for the
    vetoes. The responder and the answer model's calibration (bench/calibrate_answers.py) both cut units here."""
    answering = list(dict.fromkeys(r.document_id for r in results))[:max_docs]
    texts = {d: t for d in answering if (t := read(d)) is not None}
    whole = [widened(r, texts.get(r.document_id)) for r in results]
    cands = candidates(whole, max_docs, min_chars, flagged=flagged, lures=lures, asked=content_words(question))
    # A piece of a code block too long to quote whole is code, not prose: its lines are no sentences.
    blocks = {d: spans for d, t in texts.items() if (spans := long_blocks(t))}
    cands = [c for c in cands if not any(a <= c.start and c.end <= b for a, b in blocks.get(c.result.document_id, ()))
             or c.kind == "code"]
    for c in running_blocks(question, cands, texts):
        c.runs = True
    return cands, texts


def running_blocks(question: str, cands: Sequence[Candidate], texts: Mapping[str, str]) -> list[Candidate]:
    """The code blocks running the action a how-to question asks for by name (`agent.code_match.runs_asked_action`,
    against the `common_words` of their document's text in `texts`), where they single out at most RUNNING_BLOCKS
    blocks of their document: when every word of the question is the page's own, every `@pytest.mark.skip` of
    pytest's skipping page runs "How do I skip tests when docutils cannot be imported?"."""
    coded = {c.result.document_id for c in cands if c.kind == "code"}
    if asked_action(question) is None or not coded:
        return []  # the page's common words are read only when a block could run what is asked
    common = {d: common_words(t) for d, t in texts.items() if d in coded}
    running = [c for c in cands if runs_asked_action(question, c.text, c.kind, c.result.title, c.result.heading_path,
                                                     common.get(c.result.document_id, frozenset()))]
    blocks = Counter(document for document, _ in {(c.result.document_id, c.text.partition(_FENCE_OPEN)[2])
                                                  for c in running})
    return [c for c in running if blocks[c.result.document_id] <= RUNNING_BLOCKS]


# How many blocks of a document may run the asked action by name and still be the answer (`running_blocks`).
RUNNING_BLOCKS = 2


def widened(r: Passage, document: str | None) -> Passage:
    """The passage with any code block it cuts made whole (`whole_blocks`)."""
    if document is None or document[r.start : r.end] != r.text:
        return r
    a, b = whole_blocks(document, r.start, r.end)
    return r if (a, b) == (r.start, r.end) else r.model_copy(update={"start": a, "end": b, "text": document[a:b]})


def span(c: Candidate) -> Span:
    return c.result.document_id, c.start, c.end


def pair_parts(cands: Sequence[Candidate]) -> dict[int, tuple[int, int]]:
    """Each pair unit whose two sentences are candidates too: pair index -> (first, second) index."""
    at = {(c.result.document_id, c.start): i for i, c in enumerate(cands) if c.kind == "sentence"}
    ending = {(c.result.document_id, c.end): i for i, c in enumerate(cands) if c.kind == "sentence"}
    out = {}
    for i, c in enumerate(cands):
        if c.kind == "pair":
            a, b = at.get((c.result.document_id, c.start)), ending.get((c.result.document_id, c.end))
            if a is not None and b is not None and a != b:
                out[i] = (a, b)
    return out


def candidates(results: Sequence[Passage], max_docs: int, min_chars: int, flagged: set[str],
               lures: Callable[[str], bool], asked: AbstractSet[str] = frozenset()) -> list[Candidate]:
    """Answer units (sentences, steps, table rows, code blocks) of the top documents' chunks. Headings and
    table-of-contents entries are skipped, and so is any unit that reads as an injection attempt, or that
    carries a link from a chunk flagged for one, unless it is a code block that does not `lure` by itself:
    retrieved text is data, and the rest of a flagged chunk may still answer the question."""
    docs: list[str] = []
    out: list[Candidate] = []
    seen: set[tuple[str, int, int]] = set()
    for r in results:
        is_flagged = r.chunk_id in flagged
        if r.document_id not in docs:
            if len(docs) >= max_docs:
                continue
            docs.append(r.document_id)
        text = r.text
        headings = {r.title, *r.heading_path}
        # A heading is no answer, nor is a piece of one: a FAQ's heading is its question, a sentence or two
        # ("When building Valgrind, 'make' fails with this: /usr/bin/ld: cannot find -lc"), cut into sentences
        # that read like the question asked.
        every = [u for u in answer_units(text, min_chars) if not any(text[u.start:u.end] in h for h in headings)
                 and not contents_entry(text[u.start:u.end], u.kind)]
        # A row's cells are named, so a short one still says something whole ('Default: "latest"' under "tag").
        units = [u for u in every if u.end - u.start >= min_chars or u.kind == "row"]
        section = section_heading(list(r.heading_path), r.title)
        continuing = continued_terms(text)
        heading_at, opening = headed_opening(text, units, list(r.heading_path), section) or (0, None)
        # A section holding one short line under its heading ("Business computer accessories / - Headphones over 80
        # USD") answers with that line, quoted with its heading: the heading says what the line is about.
        if opening is None and (short := headed_opening(text, every, list(r.heading_path), section)) is not None:
            heading_at, opening = short
            units = sorted([*units, *(u for u in every if u.start == opening and u not in units)],
                           key=lambda u: (u.start, u.end))
        # So does a short line between a heading and its section's opening unit, quoted with that heading: a
        # printed API entry's "<integer> Default: 8192" under "Class property: Buffer.poolSize".
        leads = {u.start for u in every if opening is not None and u.kind == "sentence" and heading_at < u.start
                 < opening}
        for unit in sorted([*units, *(u for u in every if u.start in leads)], key=lambda u: (u.start, u.end)):
            b = unit.end
            sent = text[unit.start:b]
            # The section's opening unit is quoted from its heading when the heading names what it is about,
            # unless the heading is what reads as an injection attempt: then the unit alone is quoted.
            headed = (unit.start == opening or unit.start in leads) and section not in sent
            starts = [heading_at] if unit.start in leads else [heading_at, unit.start] if headed else [unit.start]
            a = next((x for x in starts if not is_attempt(scan(text[x:b]))), None)
            if a is None:
                continue
            quote = text[a:b]
            key = (r.document_id, r.start + a, r.start + b)
            # A flagged chunk lends a link only through a code block that does not lure by itself: the scanner
            # misflags code examples (`client.get('http://example.com/')`), while planted prose or unfenced
            # code with a link is how an attacker's link travels.
            if key in seen or (is_flagged and urls(quote) and (unit.kind != "code" or lures(quote))):
                continue
            seen.add(key)
            read_with = section if headed or len(section.split()) <= PROBE_HEADING_WORDS else ""
            if unit.kind in ("sentence", "pair"):
                # A later paragraph of a term's description is read with its term, as a unit with its heading, and
                # so is a later sentence of the paragraph defining a term of one word: "The strip mode is
                # default." read alone never says it is --cleanup's mode, and scored under the option's first
                # sentence (git-tag(1), check AN). Not of a term in words ("Maximum Age: ... Note: Set to 0 to keep
                # versions forever."): that sentence says what it is about, and read after "Maximum Age" it lost
                # its place to the prefilter (Syncthing's versioning page, check AF).
                later = definition_of(text, unit.start)
                read_with = later[1] if later is not None and one_word_name(later[1]) else next(
                    (t for x, y, t in continuing if x <= unit.start < y), read_with)
            around = bare_code_context(text, unit, every) if unit.kind == "code" else code_pointed_at(text, unit)
            out.append(Candidate(r, docs.index(r.document_id), r.start + a, r.start + b, quote,
                                 kind=unit.kind, probe=probe(sent, unit.kind, read_with, around, asked),
                                 opens=unit.start == opening and a == heading_at < unit.start))
    return out


# Between a section's heading and its opening unit there may be short lines ("Valid values: a filename"), not
# a paragraph: a heading further away than this does not read as part of the unit.
HEADED_GAP = 80


def section_heading(heading_path: list[str], title: str) -> str:
    """The heading of the section a unit is in, or "" when its only heading is the document's title (a title
    is no section: it would lift every unit of the document alike). Many pages open straight with sections
    under a title given elsewhere (front matter, a PDF's information dictionary): "Files included in package"
    is a section of npm-publish.md, though the first heading of its path."""
    if not heading_path or (len(heading_path) == 1 and same_words(heading_path[0], title)):
        return ""
    return heading_path[-1]


def headed_opening(text: str, units: Sequence[Unit], heading_path: list[str], section: str
                   ) -> tuple[int, int] | None:
    """Where the section heading a chunk opens with begins, and where its opening unit does; or None. Reference
    documentation names the thing in the heading and only says "this variable" below it ("SSL_CERT_FILE /
    If this environment variable is set..."): the unit is scored with its heading (`probe`), and is quoted
    with it too, so the answer holds the name it was asked for. The headings over the section may come first
    ("Configuration / tag / Default: latest")."""
    if not section or not units:
        return None
    at = 0
    for h in heading_path[:-1]:
        if text.startswith(h, at):
            at = len(text) - len(text[at + len(h):].lstrip())
    if not text.startswith(section, at):
        return None
    first = min(u.start for u in units)
    return (at, first) if first - at - len(section) <= HEADED_GAP else None


_FENCE_OPEN = "```"


def bare_code_context(text: str, unit: Unit, units: Sequence[Unit]) -> str:
    """What a code block with no announcing sentence did, for the scorers only: the sentence right after it,
    when that sentence points back at it. READMEs set commands bare before such sentences (`pip install
    'uvicorn[standard]'` / "This will install uvicorn with Cython-based dependencies"); read alone, the command
    was scored below the sentence, which was quoted without it. The sentence before a bare block is not borrowed:
    the block then scored like that sentence and rode along with it as a second unit (the docs dev set's style
    guides: a "Not recommended" example beside the rule it breaks)."""
    if not text.startswith(_FENCE_OPEN, unit.start):
        return ""
    after = [u for u in units if u.kind == "sentence" and u.start >= unit.end and not text[unit.end:u.start].strip()
             and POINTS_BACK.match(text, u.start)]
    return " ".join(text[u.start:u.end] for u in after[:1])


def code_pointed_at(text: str, unit: Unit) -> str:
    """The first line of the code block right before a sentence (or pair) that points back at it, for the scorers
    only: "This command will package your library in two different formats: sdist ... and wheel" says which
    command only through the `poetry build` above it, and read alone it scored under every other sentence of
    the page for "Which two formats does poetry build produce?"."""
    if unit.kind not in ("sentence", "pair") or not POINTS_BACK.match(text, unit.start):
        return ""
    code = fence_before(text, unit.start).strip()
    return code.splitlines()[0][:_POINTED_CODE_CHARS] if code else ""


_POINTED_CODE_CHARS = 80


def probe(text: str, kind: str, section: str, around: str = "", asked: AbstractSet[str] = frozenset()) -> str:
    """The text a unit is scored by. Scorers trained on prose misjudge code, so a code block is read as the
    sentence introducing it plus its first lines, and a table row as a sentence would say it ("Level: Senior |
    Salary: 80,000" as "Level is Senior, Salary is 80,000."): both cross-encoders scored rows below every
    sentence of their page. A unit under a section heading is read with that heading,
    which often carries what it is about ("SSL_CERT_FILE", "Cancelling transit benefit") when the unit itself
    only says "this variable" or "click Continue". A sentence pointing back at a command is read after the
    command's first line (`around`, from `code_pointed_at`). Of a long code block, the lines read are those holding
    most of the words `asked` (`code_window`)."""
    if kind == "code" and _FENCE_OPEN in text:
        intro, _, code = text.partition(_FENCE_OPEN)
        # The fences and the info string ("```python") are markup, not what the block says.
        code = code.partition("\n")[2].rstrip().removesuffix(_FENCE_OPEN)
        text = f"{intro.strip() or around}\n{code_window(code, asked)}".strip()
    elif kind == "row":
        text = spoken(text)
    elif around:
        text = f"{around}: {text}"
    # A heading that ends in a colon ("PTO ground rules:") is read with that colon alone, not "PTO ground rules:: ...".
    return f"{section.removesuffix(':')}: {text}" if section and section not in text else text


# How much of a code block the scorers read, and how many of the question's words a run of its lines must hold to
# be read instead of its first lines.
CODE_PROBE = 200
CODE_WINDOW_WORDS = 3


def code_window(code: str, asked: AbstractSet[str]) -> str:
    """The CODE_PROBE characters of `code` the scorers read: its first lines, or the lines from the one that opens
    the run holding the most of the question's words, when that run holds more of them, three at least. Django's
    doctests answer deep in their blocks ("page2.start_index() # The 1-based index of the first item on this page",
    line 25 of the pagination example), and the block was read by its first lines only (check AB)."""
    def hits(at: int) -> tuple[int, int]:  # the window's words of the question, then its first line's
        window = code[at : at + CODE_PROBE]
        return len(asked & content_words(window)), len(asked & content_words(window.partition("\n")[0]))

    best, most = 0, hits(0)
    at = code.find("\n") + 1
    while 0 < at < len(code) and asked:
        # More of the words than the window holding most of them so far, or as many with more in its first
        # line; but the first lines, read when no other holds more, keep their place on a tie, and against a
        # window holding only two words of the question: Poetry's pyproject.toml read from its
        # "[tool.poetry.group.test.dependencies]" answered "How do I run Poetry's test suite as a contributor?",
        # asked of pages that do not answer it (check Q).
        if (n := hits(at)) > most and (n[0] > most[0] or best > 0) and n[0] >= CODE_WINDOW_WORDS:
            best, most = at, n
        at = code.find("\n", at) + 1
    return code[best : best + CODE_PROBE]


# A heading names what its section is about ("SSL_CERT_FILE", "tag", "Default paths"). A FAQ's heading is its
# whole question, a sentence or two ("4.1. My program uses the C++ STL and string classes. Valgrind reports
# 'still reachable' memory leaks ..."): read before each unit, it made every unit of its section look alike, so
# a heading longer than this is read only with the unit that opens its section, the answer it introduces.
PROBE_HEADING_WORDS = 12


# Rows of one table look alike to every scorer; a row is kept beside a better sibling only when it scores
# nearly as well (a question about two rows), not merely above the selection threshold.
ROW_MARGIN = 0.9


# A pair of sentences is quoted instead of its better sentence only when it is clearly more apt: otherwise
# the second sentence rides along, and every cited sentence that does not answer costs precision.
# Chosen with the answer model's thresholds by bench/calibrate_answers.py (0.1 and 0.2 scored alike there).
PAIR_MARGIN = 0.2


Scored = tuple[str, int, int, float, bool]  # a unit's document, start, end, score, and whether it holds a wanted type


def standing_for(pair: Scored, sentences: Sequence[Scored], leaning: AbstractSet[tuple[str, int]]
                 ) -> list[tuple[str, int, int]]:
    """The spans (document, start, end) of the sentences that stand for this pair, making it redundant: inside it,
    scoring within PAIR_MARGIN of it, and holding the type of answer the question wants (a count, a date, a sum)
    when the pair holds it. "What time window should SLOs be reported over?": "You should report SLOs over a set
    period of time." scores nearly as well as the pair it opens, but only the pair's second sentence says "a 4-week
    rolling window". The second sentence does not stand for the pair when it leans on the first (`leaning`: where
    such sentences start, `leaning_sentences`): "This approach leverages Docker's caching mechanism to significantly
    speed up rebuilds." was quoted without the approach (check AB)."""
    doc, a, b, score, typed = pair
    return [(d, s, e) for d, s, e, p, t in sentences if d == doc and a <= s and e <= b and p >= score - PAIR_MARGIN
            and (t or not typed) and not (s > a and (d, s) in leaning)]


def goes_on(pair: Scored, sentences: Sequence[Scored], leaning: AbstractSet[tuple[str, int]], pairs: Sequence[Scored],
            floor: float) -> bool:
    """Does the pair's second sentence lean on its first (`leaning`, with examples: `leaning_sentences`)? Then the pair
    is one thought, and a sentence of it that answers is quoted with it, not in its place: "By default, those uv cache
    commands have a 5 min timeout ..." (0.62) stood for its pair (0.78) and was quoted alone, without "This timeout can
    be changed with UV_LOCK_TIMEOUT.", for which variable changes the wait (check AM). Unless that second sentence
    opens a pair of its own among `pairs` that answers by its own score (`floor` or more): "This is in line with curl,
    ... If you want to resolve the domains on the proxy server, use socks5h as the scheme." (0.71) answers which
    scheme resolves DNS on the proxy, and a pair ending in its first sentence would crowd it out (check P)."""
    doc, a, b, _, _ = pair
    seconds = {s for d, s, e, _, _ in sentences if d == doc and a < s and e <= b and (d, s) in leaning}
    return bool(seconds) and not any(d == doc and s in seconds and p >= floor for d, s, _, p, _ in pairs)


def leans_back(text: str) -> bool:
    """Does the sentence open by pointing back at the one before it ("This approach ...", "It ...")?"""
    return POINTS_BACK.match(text) is not None


# "this environment variable", "these files": a thing named before, pointed at again.
_THIS = re.compile(r"\b(?:this|these)\s+((?:[a-z][\w-]*\s+)?[a-z][\w-]*)", re.IGNORECASE)


# "As such, the bucket version was increased from v12 to v13." (check AM): what follows from the sentence before.
_AS_SUCH = re.compile(r"as such\b", re.IGNORECASE)


# "To handle failed jobs, use RQ's retry functionality instead.": instead of what the sentence before said (check AN).
_INSTEAD = re.compile(r"\binstead\W*\Z", re.IGNORECASE)


def leaning_sentences(sentences: Sequence[tuple[str, int, int, str]]
                      ) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """Where the sentences (document, start, end, text) start that lean on the sentence before them: those opening by
    pointing back (`leans_back`) or ending "instead", and those pointing at a thing the sentence before names ("You
    can change which URL Mastodon queries by setting the UPDATE_CHECK_URL environment variable. You can also
    completely disable this behavior by setting this environment variable to an empty string.": quoted alone, the
    answer to how to disable the check never named the variable, check AF). Second, those and the sentences giving
    an example of it or drawing what follows from it ("As such, the bucket version was increased from v12 to v13.",
    check AM): they go on from a first sentence quoted (`goes_on`), but read alone, as an example does, they may
    still stand for their pair ("For example, the PCI-DSS requires 3 months of easily accessible logs and 12 months
    of archived logs." scores as its pair does, under the abstention threshold, for how many years logs are kept in
    S3: the pair must not answer in its place, check O)."""
    before: dict[str, list[tuple[int, str]]] = {}
    for d, _, end, text in sentences:
        before.setdefault(d, []).append((end, text))
    out: set[tuple[str, int]] = set()
    examples: set[tuple[str, int]] = set()
    for d, start, _, text in sentences:
        if leans_back(text) or _INSTEAD.search(text):
            out.add((d, start))
            continue
        if EXEMPLIFIES.match(text) or _AS_SUCH.match(text):
            examples.add((d, start))
        previous = max(((e, t) for e, t in before[d] if e <= start), default=None)
        if previous is None or start - previous[0] > 2:
            continue
        named = content_words(previous[1])
        if any(content_words(m.group(1)).intersection(named) and content_words(m.group(1)) <= named
               for m in _THIS.finditer(text)):
            out.add((d, start))
    return out, out | examples


def continued(cands: Sequence[Candidate]) -> None:
    """A section's opening sentence sets the section up; the sentence after it often says what the section
    tells ("5.9.4 Orphaning a package: If you can no longer maintain a package, you need to inform others, and make
    sure that the package is marked as orphaned. You should set the package maintainer to Debian QA Group
    <packages@qa.debian.org> ..."). So the pair it opens is quoted instead when the two score alike (within
    PAIR_MARGIN): the reverse of the rule for other sentences, whose pair must score clearly better. What is
    quoted changes, not whether to answer: the pair takes the better of the two scores."""
    opening = {(c.result.document_id, c.start): c for c in cands if c.kind == "sentence" and c.opens}
    for pair in cands:
        if pair.kind == "pair" and (first := opening.get((pair.result.document_id, pair.start))) is not None \
                and pair.score >= first.score - PAIR_MARGIN:
            pair.score, first.score = max(pair.score, first.score), min(pair.score, first.score)


def led_in(cands: Sequence[Candidate]) -> None:
    """A list item that goes on from the line leading into the list reads as a fragment alone: MOJ's Cloud Platform
    guide has "#cloud-platform-update is a low-volume channel for broadcast communications. Examples include:" / "-
    to announce future scheduled work ...", and "Which channel is used to announce future scheduled work?" was
    answered by the item, without the channel. So the list (its `steps` unit, with the lead-in) is quoted instead
    when the two score alike (within PAIR_MARGIN), as `continued` does for a section's opening sentence; an item
    opening with a capital is a sentence of its own and keeps the usual rule."""
    lists = [c for c in cands if c.kind == "steps"]
    for c in cands:
        r = c.result
        if c.kind != "sentence" or not c.text[:1].islower() or not opens_item(r.text, c.start - r.start):
            continue
        holding = [s for s in lists if s.result.document_id == r.document_id and s.start <= c.start and c.end <= s.end
                   and s.score >= c.score - PAIR_MARGIN]
        if holding:
            s = max(holding, key=lambda s: s.score)
            s.score, c.score = max(s.score, c.score), min(s.score, c.score)


def leaned_on(pairs: Sequence[Scored], sentences: Sequence[Scored], leaning: AbstractSet[tuple[str, int]]
              ) -> tuple[list[float], list[float]]:
    """The scores of the pairs and of the sentences once every pair ending in a sentence that leans on the one before
    it (`leaning`, `leaning_sentences`) has taken the better of the two scores, when the two score alike (within
    PAIR_MARGIN). Such a sentence says what it says of a thing only the one before names: "This handler is called
    when a workhorse is unexpectedly terminated, for example due to OOM." (0.88) was quoted alone, its pair (0.76)
    naming the handler dropped (RQ's exceptions page, check AN). So the pair is quoted instead, as `continued` does
    for a section's opening sentence: what is quoted changes, not whether to answer. `select` and the calibration's
    `pick` apply it."""
    pair_scores, sentence_scores = [p for _, _, _, p, _ in pairs], [p for _, _, _, p, _ in sentences]
    seconds = {(d, e): j for j, (d, s, e, _, _) in enumerate(sentences) if (d, s) in leaning}
    for i, (d, a, e, _, _) in enumerate(pairs):
        j = seconds.get((d, e))
        if j is not None and a < sentences[j][1] and pair_scores[i] >= sentence_scores[j] - PAIR_MARGIN:
            pair_scores[i], sentence_scores[j] = (max(pair_scores[i], sentence_scores[j]),
                                                  min(pair_scores[i], sentence_scores[j]))
    return pair_scores, sentence_scores


def explained(cands: Sequence[Candidate]) -> set[int]:
    """For a question asking why, the indexes of the pairs whose second sentence gives the reason ("This is because
    the change detection depends on the file path inside the snapshot."). Each takes the better of its score and its
    first sentence's when the two score alike (within PAIR_MARGIN), and no sentence of it stands for it: restic's
    "Why does switching between absolute and relative paths make restic rescan everything?" was answered by the
    note that it does, the pair holding the reason 0.11 better, under the margin (check AC)."""
    firsts = {(c.result.document_id, c.start): c for c in cands if c.kind == "sentence"}
    out: set[int] = set()
    for i, pair in enumerate(cands):
        # Read from the pair itself: its second sentence is often no candidate of its own, left out by the prefilter
        # ("Why should we pin dependencies?": "... so that deployments are repeatable.", check AP).
        if pair.kind != "pair" or not any(gives_reason(pair.text[a:b]) for a, b in sentence_spans(pair.text)[1:]):
            continue
        doc = pair.result.document_id
        out.add(i)
        first = firsts.get((doc, pair.start))
        if first is not None and pair.score >= first.score - PAIR_MARGIN:
            pair.score, first.score = max(pair.score, first.score), min(pair.score, first.score)
    return out


def select(cands: list[Candidate], model: SentenceModel, names: Sequence[str] = (), why: bool = False
           ) -> list[Candidate]:
    def scored(c: Candidate) -> Scored:
        return c.result.document_id, c.start, c.end, c.score, c.typed

    continued(cands)
    led_in(cands)
    reasoned = {id(cands[i]) for i in explained(cands)} if why else set()
    said = [(c.result.document_id, c.start, c.end, c.text) for c in cands if c.kind == "sentence"]
    leaning, going = leaning_sentences(said)
    paired, alone = [c for c in cands if c.kind == "pair"], [c for c in cands if c.kind == "sentence"]
    pair_scores, sentence_scores = leaned_on([scored(c) for c in paired], [scored(c) for c in alone], leaning)
    for c, score in zip([*paired, *alone], [*pair_scores, *sentence_scores], strict=True):
        c.score = score
    # A sentence standing for a pair is quoted in the pair's place, so one that answers ranks as the pair did among
    # the units kept (whether to answer at all, and whether to quote it, is still its own score): "In send only mode,
    # all changes from other devices in the cluster are ignored." stood for its pair (0.84), the best unit, and was
    # left out under two pairs of 0.69 and 0.67 about the receive only folder (check AF).
    rank: dict[int, float] = {}
    spans = {(c.result.document_id, c.start, c.end): c for c in cands if c.kind == "sentence" and not c.opens}
    singles = [scored(c) for c in spans.values()]
    pairs = [scored(c) for c in cands if c.kind == "pair"]
    needed: list[Candidate] = []  # every unit but the pairs a sentence stands for
    for c in cands:
        stand = standing_for(scored(c), singles, leaning) if c.kind == "pair" and id(c) not in reasoned else []
        # Only a sentence that answers by its own score ranks as its pair: "You don't specifically need to activate a
        # virtual environment ..." (0.385, under the abstention threshold) took the fish row's place (0.400) as its
        # pair (0.452), for "How do I activate a virtual environment in fish?" (check AA).
        standing = [key for key in stand if spans[key].score >= model.abstain_threshold_of("sentence")]
        if standing and goes_on(scored(c), singles, going, pairs, model.abstain_threshold_of("pair")):
            needed.append(c)
            continue
        for key in standing:
            rank[id(spans[key])] = max(rank.get(id(spans[key]), 0.0), c.score)
        if not stand:
            needed.append(c)
    cands = needed
    answering = [c for c in cands if c.score >= model.abstain_threshold_of(c.kind)]
    if not answering:
        return []
    best = max(answering, key=lambda c: c.score)
    best_row: dict[tuple[str, tuple[str, ...]], float] = {}
    for c in cands:
        if c.kind == "row":
            best_row[table(c)] = max(best_row.get(table(c), 0.0), c.score)

    def ranked(c: Candidate) -> float:
        return max(c.score, rank.get(id(c), 0.0))

    keep: list[Candidate] = []
    for c in sorted((c for c in cands if c.score >= model.select_threshold_of(c.kind)), key=lambda c: -ranked(c)):
        if c.kind == "row" and c.score < ROW_MARGIN * best_row[table(c)]:
            continue  # a sibling row of the one asked about: same columns, other values, clearly less apt
        # A unit that overlaps a better one (the line introducing a list, a sentence inside it) is dropped, and so
        # is one saying word for word what a better one says elsewhere: Django's error-reporting page has
        # "Sensitive values are replaced with cleansed_substitute." under two methods, and both were quoted, the
        # unit that says what the substitute is left out (check AB). Word for word includes a unit quoted with its
        # section's heading: cmake(1) describes --fresh under two commands, and the answer quoted it twice, once
        # from the heading "Options" (check F).
        if not any(overlaps(span(c), span(k)) or repeats(c.text, k.text) for k in keep):
            keep.append(c)
    keep = keep[: model.max_sentences] or [best]
    # A unit naming what the question names, when the kept ones do not, is quoted too: "How do I install WP-CLI
    # with Homebrew?" was answered by the page's recommended installation alone, not by the command under
    # "Installing via Homebrew". Not a name of the document's title: that is what all its units are about.
    for name in names:
        if any(mentions(f"{k.result.title}\n{k.probe}", name) for k in keep):
            continue
        naming = [c for c in cands if c.score >= model.select_threshold_of(c.kind) and mentions(c.probe, name)
                  and not any(overlaps(span(c), span(k)) for k in keep)]
        if naming:
            keep = [*keep[: model.max_sentences - 1], max(naming, key=lambda c: c.score)]
            break
    return sorted(keep, key=lambda c: (c.doc_rank, c.start))


def repeats(text: str, kept: str) -> bool:
    """Does a unit's `text` say nothing a `kept` unit's does not: the same words, or those words under one more
    heading line ("Options" over "--fresh: ...")? A longer unit that holds the kept one's words and more (a pair
    around a sentence said twice) says more."""
    if text in kept:
        return True
    lead = text[: len(text) - len(kept)]
    return text.endswith(kept) and lead.endswith("\n\n") and "\n" not in lead.strip() \
        and len(lead.split()) <= PROBE_HEADING_WORDS


# A question asking how to do something, or for a command: answered by the command, not by the line before it.
# Wider than `asks_how_to`, which vetoes descriptions: "How does the installer set the path?" may be answered
# by one, yet the command after it belongs in the quote.
_HOW = re.compile(r"^\W*(?:how (?:do|does|can|could|should|would|to|must)|(?:what|which) commands?)\b", re.IGNORECASE)


# How much of its paragraph may follow a sentence a how-question's quote is carried on from, into the block after
# the paragraph: a sentence or two more. Flask's deployment pages explain the syntax before each command ("The only
# required argument to Gunicorn tells it how to load your Flask application. The syntax is ..." / two sentences on
# the syntax's parts / ```gunicorn -w 4 'hello:app'```), and the scorers put the opening pair first.
HOW_REST = 300


def leads_into_block(c: Candidate, how: bool) -> int | None:
    """Where, in its passage, the block ends that a sentence or pair is carried on into (`carried`), or None: the
    block after its paragraph, when the paragraph announces it or, for a question asking how, when at most
    `HOW_REST` of the paragraph follows the unit."""
    text, a, b = c.result.text, c.start - c.result.start, c.end - c.result.start
    close = block_after(text, b)
    if close is None:
        return None
    stop = text.find("\n\n", b)
    return close if announces(text[a:stop]) or (how and len(text[b:stop].strip()) <= HOW_REST) else None


def told_after(text: str, end: int) -> int | None:
    """Where, in its passage, the sentence ends that goes on from `end` in its paragraph and holds what to type (an
    option, a variable, a command), or None. restic's tuning page describes, then says what to do: "When you start
    a backup, restic will concurrently count the number of files ... This will cause some extra I/O, ..." / "To
    avoid this overhead ..., use the --no-scan option of the backup command ..." (check AC). Asked how to stop the
    count, the scorers found the description; the option is the answer."""
    stop = text.find("\n\n", end)
    stop = len(text) if stop < 0 else stop
    following = sentence_spans(text, end, stop)
    if not following or text[end:following[0][0]].strip():
        return None
    a, b = following[0]
    return b if b - end <= HOW_REST and holds_typed(text[a:b]) else None


_SPACES = re.compile(r"\s+")


def explained_after(question: str, c: Candidate) -> int | None:
    """Where, in its passage, the paragraph ends that explains a code block the question quotes, or None. A
    troubleshooting page shows the error, then says what it means: "If you see an error like this:" / ```The
    connection to the server localhost:8080 was refused``` / "A common reason for this is that the current context
    has not been set." (MOJ's Cloud Platform guide). Asked about the error, the scorers found its block; the
    answer is the line after it."""
    blocks = fenced_code(c.text)
    shown = _SPACES.sub(" ", blocks[-1]).strip().lower() if blocks else ""
    if len(shown) < 15 or shown not in _SPACES.sub(" ", question).lower():
        return None
    return line_after(c.result.text, c.end - c.result.start)


def explains_block_before(c: Candidate) -> int | None:
    """Where, in its passage, the code block starts (with the line announcing it) that a sentence or pair opening
    its paragraph points back at, or goes on from, or None. A guide shows the configuration, then says what it does:
    ```scrape_configs: ... file_sd_configs: ...``` / "This configuration specifies that there is a job called node ...
    from a targets.json file." (Prometheus's file-based discovery guide, check AA). The scorers read the sentence
    better than the block, and the answer said what the configuration does without the configuration. A paragraph
    opening in lower case with a word of grammar (`_GOES_ON`) is the rest of the sentence the block broke: pytest's
    "By specifying on the commandline:" / ```pytest --runxfail``` / "you can force the running and reporting of an
    xfail marked test as if it weren't marked at all." was quoted from "you" (check AK). A paragraph whose first
    sentence says what holds "now" tells what the block before it did: RQ's ```rq info --interval 1``` / "rq info will
    now update the screen every second." answered how to make it refresh without the command (check AN)."""
    if c.kind not in ("sentence", "pair"):
        return None
    text, a = c.result.text, c.start - c.result.start
    if not text.endswith("\n\n", 0, a) or not (POINTS_BACK.match(text, a) or _GOES_ON.match(text, a)
                                                or _NOW.match(text, a)):
        return None
    return block_before(text, a)


# "rq info will now update ...", "You should now see ...": the state the block before left things in. Not a paragraph
# opening with "Now, ...": that is as often the next step ("Now, whenever you want to work on a project, you only have
# to activate the corresponding environment.", leading into the block after it, check T).
_NOW = re.compile(r"[^.!?\n]{0,60}?\b(?:will|should|can|is|are|does|do) now\b", re.IGNORECASE)


# A paragraph going on with a sentence a code block broke opens with a word of English grammar in lower case; a name
# written in lower case ("ripgrep treats .ignore files ...", check AG's guide) opens a sentence of its own.
_GOES_ON = re.compile(r"(?:you|we|it|they|and|or|but|then|which|where|when|while|so|to|with|in|on|for|from|as|if"
                      r"|after|before|until|the|a|an|this|that|these|those|will|can|should|would|is|are)\b")


_DEMONSTRATIVE = re.compile(r"(?:this|that|these|those|the above|doing so)\b", re.IGNORECASE)


def shows_block_before(c: Candidate) -> bool:
    """Is the sentence or pair quoted back over the code block before it (`explains_block_before`) as what the block
    does, naming it by a demonstrative or going on from it in lower case? pytest's ```pytest -p no:legacypath``` /
    "This will trigger errors on tests using the legacy paths." answers how with the command (check AK). Not by
    "it": "It is also a good idea to remove the offending cached wheel using the pip cache command." says nothing
    of the block before it, and let through the veto of descriptions it displaced pip's own cache commands (check
    C). Nor by saying what holds "now": Apache's "Now, anyone that is listed in the group GroupName ... will be let
    in" describes a configuration, and was quoted alone for how to let in anyone listed in the password file when its
    chunk, flagged by the injection scanner, kept it from being carried back over the block (check I)."""
    if explains_block_before(c) is None:
        return False
    text, a = c.result.text, c.start - c.result.start
    return _GOES_ON.match(text, a) is not None or _DEMONSTRATIVE.match(text, a) is not None


# How much of a term's definition may stand before a sentence of it that is carried back to the term: a sentence
# or two.
TERM_REST = 400


def term_before(c: Candidate) -> int | None:
    """Where, in its passage, the definition starts that a sentence or pair goes on with, naming its term, or None.
    A definition list gives each option a paragraph ("--continue: Continue the operation in progress using the
    information in .git/sequencer. Can be used to continue after resolving conflicts in a failed cherry-pick or
    revert.", git-cherry-pick(1), check AJ), and a later sentence of it read alone never says which option it is:
    asked how to go on after resolving conflicts, the answer quoted the second sentence without "--continue"."""
    if c.kind not in ("sentence", "pair"):
        return None
    found = definition_of(c.result.text, c.start - c.result.start)
    return None if found is None else found[0]


def definition_of(text: str, a: int) -> tuple[int, str] | None:
    """Where the definition starts that the sentence at `a` of `text` goes on with, in its paragraph, and the term
    it defines; or None (`term_before`)."""
    start = text.rfind("\n\n", 0, a)
    start = past_marker(text, 0 if start < 0 else start + 2)  # a list item's term, without its marker
    if start >= a or a - start > TERM_REST or "\n" in text[start:a]:
        return None
    stop = text.find("\n\n", a)
    term = defined_term(text[start : len(text) if stop < 0 else stop].strip())
    return None if term is None else (start, term)


# A line naming a thing and giving it: a short name, a colon, its value ("Example Usage: pihole checkout dev").
_TERM_LINE = re.compile(r"[A-Z][\w ()/-]{0,30}: \S[^\n|]*")
# How many such lines a description may be carried back over.
USAGE_LINES = 6


def usage_before(c: Candidate) -> int | None:
    """Where, in its passage, the run of term lines starts that stands right above the line a sentence or pair
    opens, when one of them gives something to type and the unit gives nothing: a command reference gives a
    command's usage, then says what it does ("Help Command: pihole checkout --help" / "Script Location: ..." /
    "Example Usage: pihole checkout dev" / "Switch Pi-hole subsystems to a different GitHub branch.", Pi-hole's
    command page, check AE). Asked how to do what the description says, the scorers found the description, and the
    answer left out the command."""
    if c.kind not in ("sentence", "pair") or holds_typed(c.text):
        return None
    text, begin = c.result.text, c.start - c.result.start
    if text[:begin].strip() and not text[:begin].endswith("\n"):
        return None
    lines, typed = 0, False
    while lines < USAGE_LINES:
        head = text[:begin].rstrip("\n")
        start = head.rfind("\n") + 1
        line = head[start:]
        if not line or not _TERM_LINE.fullmatch(line):
            break
        typed = typed or holds_typed(line.partition(": ")[2])
        begin, lines = start, lines + 1
    return begin if typed else None


def carried(question: str, picked: list[Candidate], flagged: set[str], lures: Callable[[str], bool]
            ) -> list[Candidate]:
    """Each quoted sentence or pair carried on into the block its paragraph leads to (`block_after`), when the
    paragraph announces it ("... set an upstream branch as follows." / the command; "Small PRs have multiple
    advantages:" / the list), or when the question asks how and the sentence ends the paragraph before the
    block, or nearly (`HOW_REST`): "Add an extension for the pydocstyle tool to flake8." / ```pip install
    flake8-docstrings```. Asked how to do something, a sentence or pair that holds nothing to type is carried on
    into the next sentence of its paragraph when that one does (`told_after`). A quoted list goes on through the
    steps of its numbered list that follow it (`list_goes_on`). A sentence pointing back at the code block before
    it is carried back over that block (`explains_block_before`), and a later sentence of a term's definition back
    to its term (`term_before`).
    The scorers read code and lists poorly, so the sentence outscored its own block and the answer stopped
    where the command began. A list item is carried on into the items nested under it (`nested_items`), and a code
    block the question quotes into the line explaining it (`explained_after`). The quote stays one verbatim span of
    the passage; a unit it now covers is dropped. Nothing is carried into text that reads as an attempt, nor, in a
    chunk flagged for one, into a block that lures by itself (the scanner flags many a benign page: 17 of check P's
    181 chunks).
    """
    how, how_to = _HOW.search(question) is not None, asks_how_to(question)
    longer: list[Candidate] = []
    for c in picked:
        r = c.result
        if c.kind not in ("sentence", "pair", "code", "steps"):
            continue
        text, a, b = r.text, c.start - r.start, c.end - r.start
        close = explained_after(question, c) if c.kind == "code" else list_goes_on(text, b) if c.kind == "steps" \
            else leads_into_block(c, how) or nested_items(text, b) or (
                told_after(text, b) if how_to and not holds_typed(c.text) else None)
        begin = explains_block_before(c)
        if begin is None:
            begin = term_before(c)
        if begin is None and how:
            begin = usage_before(c)
        if close is None and begin is None:
            continue
        begin, close = a if begin is None else begin, b if close is None else close
        # A quoted unit of the same passage that the span carried back runs into is taken in whole: the command's
        # usage lines run into its section's opening line, quoted from the heading ("Version" / "Help Command:
        # pihole version"), and the example usage under it was left out.
        if begin < a:
            begin = min([begin, *(k.start - r.start for k in picked if k.result.chunk_id == r.chunk_id
                                  and k.start - r.start < begin < k.end - r.start <= a)])
        if is_attempt(scan(text[begin:close])) or (
                r.chunk_id in flagged and (lures(text[b:close]) or lures(text[begin:a]))):
            continue
        wider = dataclasses.replace(c, start=r.start + begin, end=r.start + close, text=text[begin:close])
        # Not over a part of another quoted unit (a list's line announcing a command quoted with the command).
        if all(covers(span(wider), span(k)) or not overlaps(span(wider), span(k)) for k in picked):
            longer.append(wider)
    out: list[Candidate] = []
    for c in [*longer, *picked]:
        if not any(overlaps(span(c), span(k)) for k in out):
            out.append(c)
    return sorted(out, key=lambda c: (c.doc_rank, c.start))


def compose(question: str, searched: list[str], picked: list[Candidate], ctx: RunContext) -> Answer:
    citations: list[Citation] = []
    sentences: list[SentenceVerdict] = []
    for i, c in enumerate(picked, start=1):
        r = c.result
        pages = ctx.docs.document_pages(r.document_id)
        page = page_at(pages, c.start) if pages else r.page
        citations.append(Citation(n=i, chunk_id=r.chunk_id, document_id=r.document_id, title=r.title,
                                  source=r.source, page=page, heading_path=list(r.heading_path), start=c.start,
                                  end=c.end, quote=c.text))
        sentences.append(SentenceVerdict(text=f"{c.text} [{i}]", citations=[i]))
    return Answer(question=question, answer=join_units([s.text for s in sentences]), citations=citations,
                  sentences=sentences, searched=searched, trace_id=ctx.trace_id)


def page_at(pages: list[list[int]], offset: int) -> int | None:
    """The page on which `offset` lies, from a document's [offset, page] starts."""
    found = None
    for start, page in pages:
        if start > offset:
            break
        found = page
    return found


def abstain(question: str, searched: list[str], ctx: RunContext, note: str = "") -> Answer:
    shown = "; ".join(f'"{q}"' for q in searched)
    return Answer(question=question, answer=f"{ABSTAIN_TEXT} Searched: {shown}.", abstained=True,
                  searched=searched, trace_id=ctx.trace_id, notices=[note] if note else [])
