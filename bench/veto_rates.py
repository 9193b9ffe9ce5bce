"""How often each unit-level veto fires against gold text, per training set: what it costs and what it catches.

    .venv/bin/python bench/veto_rates.py [--squad FILE] [--scifact DIR] [--email FILE]

SQuAD 2.0 subset: each answerable question against the sentence holding its gold answer (a veto there costs a
right answer), each unanswerable one against the sentence of its plausible answer (the sentence a reader — and the
scorers — take for the answer; a veto there is an abstention gained). SciFact: each claim against each of its
evidence sentences. BIPIA's email questions: each against its own email. Nothing is fitted here; the rules were
written looking at the SQuAD suite's answered unanswerable questions (README, "Where issue 17 stands", session 43).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from agent.sentences import sentence_spans
from agent.vetoes import asks_how_to, opposite, other_day, other_number, other_value, other_version, says_how


def how_to(question: str, text: str) -> tuple[str, str] | None:
    return ("how to", "a description") if asks_how_to(question) and not says_how(text) else None


VETOES: dict[str, Callable[[str, str], tuple[str, str] | None]] = {
    "other_version": other_version, "other_number": other_number, "other_day": other_day, "opposite": opposite,
    "other_value (all four)": other_value, "how_to": how_to}


def sentence_at(text: str, offset: int) -> str:
    return next((text[a:b] for a, b in sentence_spans(text, 0, len(text)) if a <= offset < b), text)


def squad_pairs(file: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(question, gold sentence) of the answerable questions, (question, plausible sentence) of the others."""
    answerable, unanswerable = [], []
    for article in json.loads(file.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                if not qa["is_impossible"]:
                    answerable.append((qa["question"], sentence_at(context, qa["answers"][0]["answer_start"])))
                elif qa.get("plausible_answers"):
                    unanswerable.append((qa["question"],
                                         sentence_at(context, qa["plausible_answers"][0]["answer_start"])))
    return answerable, unanswerable


def scifact_pairs(folder: Path) -> list[tuple[str, str]]:
    sentences = {str(d["doc_id"]): d["sentences"] for d in map(json.loads, (folder / "corpus.jsonl").open())}
    out = []
    for claim in map(json.loads, (folder / "claims_train.jsonl").open()):
        for doc, evidence in claim["evidence"].items():
            out += [(claim["claim"], sentences[str(doc)][i]) for r in evidence["rationales"] for i in r]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--squad", type=Path, default=Path("../shared/data/squad/train-v2.0-10articles.json"))
    ap.add_argument("--scifact", type=Path, default=Path("../shared/data/scifact"))
    ap.add_argument("--email", type=Path, default=Path("../shared/data/injection/email_train.jsonl"))
    args = ap.parse_args()
    answerable, unanswerable = squad_pairs(args.squad)
    sets = {"squad answerable (cost)": answerable, "squad unanswerable (caught)": unanswerable,
            "scifact claim/evidence (cost)": scifact_pairs(args.scifact),
            "email question/own email": [(r["question"], r["context"]) for r in map(json.loads, args.email.open())]}
    for name, veto in VETOES.items():
        print(f"{name}: " + "; ".join(f"{label} {sum(bool(veto(q, t)) for q, t in pairs)} / {len(pairs)}"
                                       for label, pairs in sets.items()))


if __name__ == "__main__":
    main()
