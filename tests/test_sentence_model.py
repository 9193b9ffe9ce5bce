"""The extractive responder's sentence features and its fitted model file (pure functions, no models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.sentence_model import FEATURES, MODEL_FILE, SentenceModel, asked, features, type_features, wanted_types
from kernel.errors import ConfigError


def test_features_are_relative_to_the_candidate_set() -> None:
    texts = ["Aspirin cut strokes by 20% in the trial.", "The trial enrolled adults.", "Unrelated background."]
    rows = features("Does aspirin reduce strokes?", texts, ce=[6.0, 1.0, 3.0], emb=[0.8, 0.5, 0.2],
                    rt=[-1.0, 4.0, 2.0], doc_ranks=[0, 0, 1], positions=[0.9, 0.1, 0.5],
                    kinds=["sentence", "pair", "row"], spans=[("a", 0, 40), ("a", 41, 67), ("b", 0, 21)])
    col = {name: [r[i] for r in rows] for i, name in enumerate(FEATURES)}
    assert all(len(r) == len(FEATURES) for r in rows)
    assert col["ce_gap"] == pytest.approx([0.0, -0.5, -0.3])
    assert col["emb_gap"] == pytest.approx([0.0, -0.3, -0.6])
    assert col["ce_rank"] == pytest.approx([0.0, 0.2, 0.1])
    assert col["rt_gap"] == pytest.approx([-0.5, 0.0, -0.2])
    assert col["rt_rank"] == pytest.approx([0.2, 0.0, 0.1])
    assert col["doc_rank"] == [0.0, 0.0, 1.0]
    assert col["overlap"][0] > col["overlap"][2] == 0.0
    assert col["is_pair"] == [0.0, 1.0, 0.0] and col["is_block"] == [0.0, 0.0, 1.0]
    assert col["type_match"] == col["type_missing"] == [0.0, 0.0, 0.0]  # no answer type wanted
    rows = features("How many strokes did aspirin prevent?", texts, ce=[1.0, 1.0, 1.0], emb=[0.5, 0.5, 0.5],
                    rt=[0.0, 0.0, 0.0], doc_ranks=[0, 0, 0], positions=[0, 0, 0], kinds=["sentence"] * 3,
                    spans=[("a", 0, 40), ("a", 41, 67), ("b", 0, 21)])
    at = FEATURES.index("type_match"), FEATURES.index("type_missing")
    assert [(r[at[0]], r[at[1]]) for r in rows] == [(1.0, 0.0), (0.0, 1.0), (0.0, 1.0)]
    spelled = features("How many days carry over?", ["Up to five unused days carry over."], ce=[1.0], emb=[0.5],
                       rt=[0.0], doc_ranks=[0], positions=[0.0], kinds=["sentence"],
                       spans=[("a", 0, 34)])[0]
    assert (spelled[at[0]], spelled[at[1]]) == (1.0, 0.0)  # a number in words is a number


def test_a_unit_that_stands_out_leads_its_rivals_but_not_the_units_it_overlaps() -> None:
    """The lead is a unit's margin over the best unit it does not overlap: the table row that alone scores
    high leads by a lot; the pair holding the best sentence is no rival of that sentence."""
    texts = ["Use the T-TECH code.", "Use the T-TECH code. Then pick a region.", "Benefits overview.", "Other."]
    spans = [("a", 0, 20), ("a", 0, 41), ("b", 0, 18), ("b", 19, 25)]
    rows = features("Which code do I use?", texts, ce=[4.0, 3.5, -6.0, -9.0], emb=[0.80, 0.78, 0.70, 0.60],
                    rt=[1.0, 1.0, -2.0, -3.0], doc_ranks=[0, 0, 1, 1], positions=[0, 0, 0, 0.5],
                    kinds=["sentence", "pair", "sentence", "sentence"], spans=spans)
    col = {name: [r[i] for r in rows] for i, name in enumerate(FEATURES)}
    assert col["ce_lead"] == pytest.approx([1.0, 0.95, -1.0, -1.0])  # clipped at ten points either way
    assert col["rt_lead"] == pytest.approx([0.3, 0.3, -0.3, -0.4])
    assert col["emb_lead"] == pytest.approx([0.5, 0.4, -0.5, -1.0])
    alone = features("Which code?", ["Use the T-TECH code."], ce=[1.0], emb=[0.5], rt=[0.0], doc_ranks=[0],
                     positions=[0.0], kinds=["sentence"], spans=[("a", 0, 20)])[0]
    assert alone[FEATURES.index("ce_lead")] == 1.0  # no rival at all: as decisive as it gets


def test_the_shipped_model_matches_the_features_and_ranks_a_stronger_sentence_higher() -> None:
    model = SentenceModel.load()
    assert len(model.weights) == len(FEATURES)
    assert 0 < model.abstain_threshold < 1 and 0 < model.select_threshold < 1
    rows = features("Does aspirin reduce strokes?", ["Aspirin cut strokes by 20%.", "Participants were adults."],
                    ce=[7.0, -6.0], emb=[0.85, 0.55], rt=[3.0, -5.0], doc_ranks=[0, 0], positions=[0.5, 0.5],
                    kinds=["sentence", "sentence"], spans=[("a", 0, 27), ("a", 28, 53)])
    assert model.probability(rows[0]) > model.probability(rows[1])


def test_a_model_file_for_other_features_is_refused(tmp_path: Path) -> None:
    d = json.loads(MODEL_FILE.read_text())
    d["features"], d["weights"] = d["features"][:-1], d["weights"][:-1]
    stale = tmp_path / "model.json"
    stale.write_text(json.dumps(d))
    with pytest.raises(ConfigError, match="calibrate_answers"):
        SentenceModel.load(stale)


@pytest.mark.parametrize(("question", "unit", "expected"), [
    ("Find the $ value paid to Mixpanel?", "Your card was charged $2,099.00 by MIXPANEL.", (1.0, 0.0)),
    ("How much is the laptop allowance?", "The allowance is 1,200 euros.", (1.0, 0.0)),
    ("What is the fee?", "A fee applies to late returns.", (0.0, 1.0)),  # the money itself is missing
    ("When was the treaty signed?", "The treaty was signed in March 1919 at Versailles.", (1.0, 0.0)),
    ("When was the treaty signed?", "The treaty was signed at Versailles.", (0.0, 1.0)),
    ("Who founded the company?", "The company was founded by Ada Lovelace in London.", (1.0, 0.0)),
    ("Who founded the company?", "The company was founded by two students.", (0.0, 1.0)),
    ("Who founded Acme?", "Acme was founded as a cooperative.", (0.0, 1.0)),  # a name from the question
    ("Why is the sky blue?", "Rayleigh scattering.", (0.0, 0.0)),  # no type wanted: no signal either way
    # A section's or an item's number is no count (GNU's maintainers' handbook, read with its section heading).
    ("Which port does ftp-upload.gnu.org accept uploads on?", "12.6 Automated FTP Uploads: In order to upload new "
     "releases, you first need to register.", (0.0, 1.0)),
    ("How many files do I upload?", "3. A clearsigned directive file, made with gpg.", (0.0, 1.0)),
    ("How much memory does it need?", "1.5 GB of memory is enough.", (1.0, 0.0)),  # a quantity stays one
    # A clock time is a time, and so is a point the reader reaches (check Y's staff handbook).
    ("By what time do I have to say I'm off sick?", "Let your line manager know by 10:00 am.", (1.0, 0.0)),
    ("What time does the office open?", "It opens at 9am on weekdays.", (1.0, 0.0)),
    ("When can I join the cycle to work scheme?", "The scheme is available once you’ve passed probation.", (1.0, 0.0)),
    ("When was the city founded?", "It was once the capital of the region.", (0.0, 1.0)),  # "once" alone: formerly
    ("When should a project adopt a code of conduct?", "Try to establish one as early as possible.", (1.0, 0.0)),
    ("When should I rotate the keys?", "Rotate them when you change teams.", (1.0, 0.0)),
    ("When did the war end?", "The war ended when the treaty was signed.", (0.0, 1.0)),  # a clause alone: no date
    # Asked whether, or how, money words want no sum.
    ("Does dxw pay for my commute to the office?", "Commuting costs are your own responsibility.", (0.0, 0.0)),
    ("How should I pay for a hotel?", "Book it on a company debit card.", (0.0, 0.0)),
])
def test_answer_types(question: str, unit: str, expected: tuple[float, float]) -> None:
    assert type_features(question, unit) == expected


@pytest.mark.parametrize(("question", "expected"), [
    # "when" opening a clause asks for no date: check W's Ingress question was answered by no unit, each missing one
    ("When rolling back, how do I revert the Ingress resources as well?", frozenset()),
    ("What happens when the pre-push hook exits with a non-zero status?", frozenset()),
    ("How old was Chopin when he left Poland?", {"count"}),
    ("When the iTunes store was launched, what type of file format was used?", frozenset()),
    ("What epoch does a Debian version have when none is written?", frozenset()),
    ("What does Lampson advise when in doubt?", frozenset()),
    # "when" asking
    ("When did Chopin leave Poland?", {"date"}),
    ("When should I submit my expenses?", {"date"}),
    ("Her alter ego was born when according to Beyonce?", {"date"}),
])
def test_a_clause_opened_by_when_asks_for_no_date(question: str, expected: frozenset[str]) -> None:
    assert wanted_types(question) == expected


def test_wanted_types_combine() -> None:
    assert wanted_types("How much did the refund cost?") == {"money", "count"}
    assert wanted_types("Describe the process.") == frozenset()
    # a quantity's noun a word or two after "what" ("what is the maximum line length", "what time window")
    assert wanted_types("What is the maximum line length for Python code?") == {"count"}
    assert "count" in wanted_types("What time window should SLOs be reported over?")
    assert wanted_types("What is the capital of France?") == frozenset()
    # money words want a sum, but not in a question asking whether or how
    assert wanted_types("What fee does the bank charge?") == {"money"}
    assert wanted_types("Who paid for the new stadium?") == {"money", "person"}
    assert wanted_types("Can we pay guest speakers for their time?") == frozenset()
    assert wanted_types("How do I pay for a hotel?") == frozenset()
    # "$" before a name is a shell variable, not money
    assert wanted_types("Why is $DOMAIN not expanded in my .env file?") == frozenset()
    assert wanted_types("Find the $ value paid to Upwork?") == {"money"}


def test_the_asked_part_of_a_question_leaves_instructions_out() -> None:
    assert asked("Find the $ value paid to Upwork? If multiple, record all $ values paid.") == (
        "Find the $ value paid to Upwork?")
    assert asked("How do I reset my password?") == "How do I reset my password?"
    assert asked("Explain the leave policy. Keep it short.") == "Explain the leave policy. Keep it short."
    assert asked("What is SSO? And how do I enable it?") == "What is SSO? And how do I enable it?"
    # The context before the question is part of what is asked (it was dropped: only the question was searched).
    assert asked("Building it fails with 'cannot find -lc'. What do I install?") == (
        "Building it fails with 'cannot find -lc'. What do I install?")
    assert asked("My password has slashes. How do I write it? Answer briefly.") == (
        "My password has slashes. How do I write it?")


def test_calibration_rows_are_collected_again_when_parsing_or_chunking_changes() -> None:
    """Session 28 changed how documents are parsed, chunked and cut into units after collecting its calibration
    rows, and the cache key, which held neither version, took the old rows for current ones."""
    import argparse

    from bench.calibrate_answers import rows_key
    from kernel.settings import Settings

    args = argparse.Namespace(rationale=True, max_docs=2, claims=160, distractors=300, squad_answerable=300,
                              squad_unanswerable=100)
    key = rows_key(args, Settings(), 14, 4)
    assert key == rows_key(args, Settings(), 14, 4)
    assert key != rows_key(args, Settings(), 15, 4) and key != rows_key(args, Settings(), 14, 5)
    assert key != rows_key(argparse.Namespace(**{**vars(args), "max_docs": 3}), Settings(), 14, 4)


def test_calibration_folds_keep_a_source_whole() -> None:
    """Sibling questions about one SQuAD article (or mailbox, or file) land in one fold: a fold's model is never
    scored on a paragraph it was fitted on (the folds were by question id before)."""
    from bench.calibrate_answers import cv_folds

    rows = [{"id": f"q{a}-{n}", "group": f"sq{a}"} for a in range(10) for n in range(20)]
    zero, one = cv_folds(rows)
    assert zero and one and len(zero) + len(one) == len(rows)
    assert not {r["group"] for r in zero} & {r["group"] for r in one}


def test_calibration_picks_what_the_responder_selects() -> None:
    """The calibration simulated answering on the best unit before a redundant pair was dropped, the responder
    after: a pair at 0.45 beside its sentence at 0.36 (abstaining at 0.4) was an answer in calibration and an
    abstention in the agent. Both abstain now; the model is fitted on what runs."""
    import numpy as np

    from agent.extractive import Candidate, select
    from agent.sentence_model import FEATURES, SentenceModel
    from agent.tool_results import Passage
    from agent.units import Kind
    from bench.calibrate_answers import pick

    text = "An iPod is tied to one host computer. Each time it connects, iTunes can synchronize."
    cut = text.index(" Each")
    r = Passage(chunk_id="c", document_id="d", start=0, end=len(text), text=text)
    model = SentenceModel((), 0.0, select_threshold=0.35, abstain_threshold=0.4, max_sentences=2, max_docs=2,
                          prefilter=8, code_abstain_threshold=0.4)
    spans: list[tuple[int, int, Kind]] = [(0, cut, "sentence"), (0, len(text), "pair"),
                                          (cut + 1, len(text), "sentence")]

    def row(kind: Kind) -> list[float]:
        x = [0.0] * len(FEATURES)
        x[FEATURES.index("is_pair")] = float(kind == "pair")
        return x

    units = [{"x": row(k), "span": ["d", a, b]} for a, b, k in spans]
    for scores, answers in (((0.36, 0.45, 0.05), False), ((0.41, 0.45, 0.05), True), ((0.36, 0.70, 0.05), True)):
        cands = [Candidate(r, 0, a, b, text[a:b], score=s, kind=k) for (a, b, k), s in zip(spans, scores, strict=True)]
        chosen = [(c.start, c.end) for c in select(cands, model)]
        picked = [(spans[i][0], spans[i][1]) for i in pick(units, np.array(scores), 0.35, 0.4, 2)]
        assert bool(chosen) is answers
        assert sorted(picked) == sorted(chosen)
    # A sentence standing for its pair ranks as the pair among the units kept, above another document's sentence.
    other = Passage(chunk_id="e", document_id="e", start=0, end=len(text), text=text)
    ranked = (0.667, 0.84, 0.05, 0.7)
    cands = [Candidate(r, 0, a, b, text[a:b], score=s, kind=k) for (a, b, k), s in zip(spans, ranked, strict=False)]
    cands.append(Candidate(other, 1, 0, cut, text[:cut], score=0.7))
    units.append({"x": row("sentence"), "span": ["e", 0, cut]})
    model = SentenceModel((), 0.0, select_threshold=0.35, abstain_threshold=0.4, max_sentences=1, max_docs=2,
                          prefilter=8, code_abstain_threshold=0.4)
    assert [(c.result.document_id, c.end) for c in select(cands, model)] == [("d", cut)]
    assert pick(units, np.array(ranked), 0.35, 0.4, 1) == [0]


def test_the_calibration_picks_as_select_after_pairs_take_their_leaning_sentences_scores() -> None:
    """`select` reads its pairs with the scores `leaned_on` leaves them, and so must `pick`: a pair going on from an
    answering first sentence is quoted whole unless its second sentence opens an answering pair of its own, and that
    pair may answer only by the score it took from the sentence leaning on it. `pick` read the scores from before."""
    import numpy as np

    from agent.extractive import Candidate, select
    from agent.sentence_model import FEATURES, SentenceModel
    from agent.tool_results import Passage
    from agent.units import Kind
    from bench.calibrate_answers import pick

    text = "The job runs hourly. This job writes a report. It goes to the team."
    b, c = text.index(" This") + 1, text.index(" It") + 1
    r = Passage(chunk_id="c", document_id="d", start=0, end=len(text), text=text)
    spans: list[tuple[int, int, Kind]] = [(0, b - 1, "sentence"), (0, c - 1, "pair"), (b, c - 1, "sentence"),
                                          (b, len(text), "pair"), (c, len(text), "sentence")]
    scores = (0.5, 0.6, 0.1, 0.3, 0.5)

    def row(kind: Kind) -> list[float]:
        x = [0.0] * len(FEATURES)
        x[FEATURES.index("is_pair")] = float(kind == "pair")
        return x

    units = [{"x": row(k), "span": ["d", a, e], "text": text[a:e]} for a, e, k in spans]
    cands = [Candidate(r, 0, a, e, text[a:e], score=s, kind=k) for (a, e, k), s in zip(spans, scores, strict=True)]
    model = SentenceModel((), 0.0, select_threshold=0.35, abstain_threshold=0.4, max_sentences=2, max_docs=2,
                          prefilter=8, code_abstain_threshold=0.4)
    chosen = sorted((c.start, c.end) for c in select(cands, model))
    assert chosen == [(0, b - 1), (b, len(text))]
    assert sorted((spans[i][0], spans[i][1]) for i in pick(units, np.array(scores), 0.35, 0.4, 2)) == chosen


def test_a_code_block_answers_from_its_own_threshold() -> None:
    """Check E's "How do I allow at most 4 link jobs at a time?" had Ninja's pool block as its best unit at 0.38,
    under the 0.4 prose needs, and abstained. A code block answers from `code_abstain_threshold`; a sentence at
    that score still does not, and the calibration picks as the responder selects."""
    import numpy as np

    from agent.extractive import Candidate, select
    from agent.sentence_model import FEATURES, SentenceModel
    from agent.tool_results import Passage
    from agent.units import Kind
    from bench.calibrate_answers import pick

    text = "Pools limit how many jobs run at once.\n\n```\npool link_pool\n  depth = 4\n```"
    cut = text.index("\n\n")
    r = Passage(chunk_id="c", document_id="d", start=0, end=len(text), text=text)
    model = SentenceModel((), 0.0, select_threshold=0.35, abstain_threshold=0.4, max_sentences=2, max_docs=2,
                          prefilter=8, code_abstain_threshold=0.34)
    spans: list[tuple[int, int, Kind]] = [(0, cut, "sentence"), (cut + 2, len(text), "code")]
    units = [{"x": [0.0] * len(FEATURES), "span": ["d", a, b], "kind": k} for a, b, k in spans]
    for scores, quoted in (((0.2, 0.38), ["code"]), ((0.38, 0.2), []), ((0.2, 0.3), []),
                           ((0.36, 0.38), ["code", "sentence"])):
        cands = [Candidate(r, 0, a, b, text[a:b], score=s, kind=k) for (a, b, k), s in zip(spans, scores, strict=True)]
        chosen = select(cands, model)
        assert sorted(c.kind for c in chosen) == sorted(quoted)
        picked = pick(units, np.array(scores), 0.35, 0.4, 2, code_abst=0.34)
        assert sorted(spans[i][2] for i in picked) == sorted(quoted)
    assert model.abstain_threshold_of("code") == 0.34 and model.abstain_threshold_of("pair") == 0.4
