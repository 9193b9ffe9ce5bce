"""Which retrieved answer units answer the question: a small logistic model over three scorers' outputs.

Features come from a bi-encoder (bge cosine), the general-purpose ms-marco cross-encoder, and the
rationale scorer (that cross-encoder fine-tuned on the SciFact training rationales by
bench/train_rationale_scorer.py, stored in rationale_model/ beside this file), each also as a unit's lead
over the best unit it does not overlap (a unit that alone scores high is likelier right than the best of
several alike), plus position, overlap, the unit's kind and an answer-type signal (a question asking for an
amount, a date, a count or a person, a unit holding one). The weights and both thresholds are fitted by
bench/calibrate_answers.py on four domains weighted equally — SciFact claims, SQuAD 2.0 questions, BIPIA's
email questions, the docs dev set — and stored in sentence_model.json.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kernel.errors import ConfigError

MODEL_FILE = Path(__file__).parent / "sentence_model.json"
RATIONALE_MODEL_DIR = Path(__file__).parent / "rationale_model"
FEATURES = ("ce", "emb", "ce_gap", "emb_gap", "ce_rank", "emb_rank", "doc_rank", "position", "overlap",
            "length", "rt", "rt_gap", "rt_rank", "is_block", "is_pair", "type_match",
            "type_missing", "ce_lead", "rt_lead", "emb_lead")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({
    "the", "a", "an", "of", "and", "or", "in", "on", "to", "for", "with", "by", "is", "are", "was", "were",
    "be", "been", "that", "this", "these", "those", "it", "its", "as", "at", "from", "not", "no", "than",
    "which", "who", "what", "when", "how", "does", "do",
})


@dataclass(frozen=True)
class SentenceModel:
    weights: tuple[float, ...]
    bias: float
    select_threshold: float
    abstain_threshold: float
    max_sentences: int
    max_docs: int
    prefilter: int  # units that reach the cross-encoders; the model was fitted on what they score
    # A code block answers at a lower score than prose: the scorers, fitted mostly on prose, read a command less
    # well than the sentence that describes it. Chosen apart from the fit, leave-one-check-out on the held-back
    # documentation checks (bench/code_threshold.py).
    code_abstain_threshold: float

    def abstain_threshold_of(self, kind: str) -> float:
        """The score a unit of `kind` must reach for the responder to answer with it."""
        return min(self.code_abstain_threshold, self.abstain_threshold) if kind == "code" else self.abstain_threshold

    def select_threshold_of(self, kind: str) -> float:
        """The score a unit of `kind` must reach to be quoted beside a better one."""
        return min(self.select_threshold, self.code_abstain_threshold) if kind == "code" else self.select_threshold

    @classmethod
    def load(cls, file: Path = MODEL_FILE) -> SentenceModel:
        d = json.loads(file.read_text())
        if tuple(d.get("features", ())) != FEATURES or len(d["weights"]) != len(FEATURES) or "prefilter" not in d:
            raise ConfigError(f"{file} was fitted on features {d.get('features')}, this code computes "
                              f"{list(FEATURES)}; re-run bench/calibrate_answers.py --write")
        if "code_abstain_threshold" not in d:
            raise ConfigError(f"{file} has no code_abstain_threshold; choose one with bench/code_threshold.py")
        return cls(tuple(float(w) for w in d["weights"]), float(d["bias"]), float(d["select_threshold"]),
                   float(d["abstain_threshold"]), int(d["max_sentences"]), int(d["max_docs"]),
                   int(d["prefilter"]), float(d["code_abstain_threshold"]))

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 40.0), -40.0)))


# Answer types every domain has: a question asking for an amount of money, a date, a count or a person is
# answered by a unit holding one ("which $ value", "when", "how many days", "who founded"). A unit of the
# wanted type is a signal; a question whose wanted type the unit lacks is one against it.
_I = re.IGNORECASE
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WANTS = {
    "money": re.compile(r"\$(?![A-Za-z_{(])|\bhow much\b", _I),  # "$DOMAIN", "${HOME}", "$(cmd)": no money
    "date": re.compile(r"\bwhen\b|\b(?:what|which|in what) (?:year|date|day|month|century|decade|time|period)\b"
                       r"|\bhow long ago\b|\bsince when\b", _I),
    "count": re.compile(r"\bhow (?:many|much|long|often|old|far|large|big|fast|high|tall|wide|deep)\b"
                        r"|\b(?:what|which) (?:(?:is|are|was|were) )?(?:the )?(?:\w+ )?(?:percentage|percent|number"
                        r"|size|age|rate|ratio|share|limit|maximum|minimum|version|port|length|duration|period|window"
                        r"|interval|timeout)\b|\b(?:number|percentage|population|amount) of\b", _I),
    "person": re.compile(r"^\W*(?:who|whom|whose)\b|\bby whom\b", _I),
}
# Words of money want a sum, but not in a question asking whether ("Does dxw pay for my commute?") or in what way
# ("How should I pay for a hotel?"): a sentence with no sum in it answers those (check Y).
_MONEY_WORDS = re.compile(r"\b(?:cost|costs|price|prices|paid|pay|pays|fee|fees|amount|charged?|salary|budget|spent"
                          r"|spend|refund(?:ed)?)\b", _I)
_WHETHER_OR_HOW = re.compile(r"^\W*(?:(?:do|does|did|is|are|was|were|can|could|should|will|would|must|may|might|has"
                             r"|have|had|shall)\b|how (?:do|does|did|can|could|should|would|will|must|to)\b)", _I)
_HAS = {
    "money": re.compile(r"[$€£¥]\s?\d|\d(?:[\d,.]*\d)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds|cents)\b", _I),
    "date": re.compile(rf"\b(?:1[0-9]\d\d|20\d\d)s?\b|\b{_MONTH}\s+\d|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?"
                       rf"{_MONTH}\b|\b\d{{1,2}}[/-]\d{{1,2}}[/-]\d{{2,4}}\b|\bcentur(?:y|ies)\b"
                       r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
                       r"|\b(?:[01]?\d|2[0-3]):[0-5]\d\b|\b(?:1[0-2]|0?[1-9])\s?[ap]\.?m\b|\b(?:noon|midnight)\b"
                       # A time the reader reaches answers "when" in instructions as a date does in a chronicle:
                       # "When can I join the cycle to work scheme?" / "... once you've passed probation" (check Y);
                       # "When should a project adopt a code of conduct?" / "... as early as possible: ideally, when
                       # you first create your project" (check Z).
                       r"|\b(?:once|after|until|before|as soon as|when) (?:you|you've|you're|you'll|your)\b"
                       r"|\bas (?:early|soon) as possible\b", _I),
    "count": re.compile(
        r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty"
        r"|fifty|hundred|thousand|million|billion|dozen|half|once|twice)\b", _I),
}
_NAME = re.compile(r"(?<=[a-z,;:()] )[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*")


# "when" opening a clause ("When rolling back, how do I revert the Ingress?", "What happens when the hook exits?",
# "How old was Chopin when he left Poland?", "What epoch does a version have when none is written?", "What does
# Lampson advise when in doubt?") asks for no date: a subject, an -ing word or a preposition follows it, not the verb
# of a question ("When did ...", "When is ...", "... born when according to ...").
_CLAUSE_WHEN = re.compile(r"\b(?i:when)\s+(?:(?i:(?!according\b)[a-z]+ing|he|she|it|they|we|i|you|his|her|its|their|"
                          r"our|my|your|the|a|an|this|that|these|those|there|someone|something|one|none|no|nothing"
                          r"|nobody|any|anyone|anything|some|each|every|everyone|all|both|in|on|under|with|without"
                          r"|unsure|necessary|needed|possible)\b|[A-Z])")


def wanted_types(question: str) -> frozenset[str]:
    asking = _CLAUSE_WHEN.sub("", question)
    wanted = {t for t, rx in _WANTS.items() if rx.search(asking if t == "date" else question)}
    if _MONEY_WORDS.search(question) and not _WHETHER_OR_HOW.search(question):
        wanted.add("money")
    return frozenset(wanted)


def has_type(kind: str, text: str, question_words: set[str]) -> bool:
    if kind == "person":  # a name not taken from the question, inside a sentence (not its first word)
        return any(m.group(0).lower() not in question_words for m in _NAME.finditer(text))
    return bool(_HAS[kind].search(text))


# A section's or an item's number opening a line ("12.6 Automated FTP Uploads", "3. A clearsigned directive file")
# counts nothing: read as a number, every unit under a numbered heading held a count, so "Which port does
# ftp-upload.gnu.org accept uploads on?" found one in the section on uploads. Numbering is a number ending in a full
# stop, or of two parts or more before a capitalized word; "1.5 GB" stays a quantity.
_NUMBERING = re.compile(r"^[ \t]*(?:\d+\.)+[ \t]+(?=[A-Z])|^[ \t]*\d+(?:\.\d+)+[ \t]+(?=[A-Z][a-z])", re.MULTILINE)


def type_features(question: str, text: str) -> tuple[float, float]:
    """(the unit holds a wanted type, the question wants a type the unit does not hold)."""
    wanted = wanted_types(question)
    if not wanted:
        return 0.0, 0.0
    text = _NUMBERING.sub("", text)
    words = set(_WORD.findall(question.lower()))
    hit = any(has_type(t, text, words) for t in wanted)
    return float(hit), float(not hit)


_SENTENCE_END = re.compile(r"(?<=[?.!])\s+")


def asked(question: str) -> str:
    """What a question asks, without the instructions around it ("Find the $ value paid to Upwork? If
    multiple, record all $ values paid."): search and the scorers match the asked part against documents,
    and instruction words ("record", "values", "briefly") match nothing a document says about the subject.
    What comes before the question stays: it is what the question is about ("My password contains slashes.
    How do I write it in the URL?" asks nothing a search could find without its first sentence). A question
    without a question mark is taken whole."""
    parts = [p.strip() for p in _SENTENCE_END.split(question.strip()) if p.strip()]
    last = max((i for i, p in enumerate(parts) if p.endswith("?")), default=len(parts) - 1)
    return " ".join(parts[: last + 1])


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def _ranks(scores: Sequence[float]) -> dict[int, int]:
    return {i: r for r, i in enumerate(sorted(range(len(scores)), key=lambda i: -scores[i]))}


Span = tuple[str, int, int]  # a unit's (document, start, end)


def overlaps(x: Span, y: Span) -> bool:
    return x[0] == y[0] and x[1] < y[2] and y[1] < x[2]


def covers(outer: Span, inner: Span) -> bool:
    return outer[0] == inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2]


def features(question: str, texts: Sequence[str], ce: Sequence[float], emb: Sequence[float],
             rt: Sequence[float], doc_ranks: Sequence[int], positions: Sequence[float],
             kinds: Sequence[str], spans: Sequence[Span]) -> list[list[float]]:
    """One feature row per candidate sentence; gaps and ranks are taken within the candidate set. `spans` are
    the units' (document, start, end): a unit's lead is over the units it does not overlap, since the pair
    holding the best sentence scores like it and is no rival."""
    def lead(scores: Sequence[float], i: int, scale: float) -> float:
        rivals = [s for j, s in enumerate(scores) if j != i and not overlaps(spans[i], spans[j])]
        return max(-1.0, min(1.0, (scores[i] - max(rivals)) / scale)) if rivals else 1.0

    q = content_words(question)
    best_ce, best_emb, best_rt = max(ce, default=0.0), max(emb, default=0.0), max(rt, default=0.0)
    ce_order, emb_order, rt_order = _ranks(ce), _ranks(emb), _ranks(rt)
    rows = []
    for i, text in enumerate(texts):
        words = content_words(text)
        rows.append([
            ce[i] / 10, emb[i], (ce[i] - best_ce) / 10, emb[i] - best_emb, min(ce_order[i], 10) / 10,
            min(emb_order[i], 10) / 10, float(doc_ranks[i]), positions[i],
            len(q & words) / max(len(q), 1), min(len(text), 400) / 400,
            rt[i] / 10, (rt[i] - best_rt) / 10, min(rt_order[i], 10) / 10,
            float(kinds[i] in ("steps", "row", "code")), float(kinds[i] == "pair"),
            *type_features(question, text),
            lead(ce, i, 10.0), lead(rt, i, 10.0), lead(emb, i, 0.2),
        ])
    return rows
