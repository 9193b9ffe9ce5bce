"""The abstention threshold for code blocks, chosen leave-one-check-out on the documentation checks.

    .venv/bin/python bench/code_threshold.py DIR [--hold-back X ...]

DIR holds runs of bench/unseen_docs.py, one per check, each with `--keep DIR/keep-<check> --log DIR/<check>.log`
(the check's letter or any name: the two are paired by it). The responder abstains when no unit scores
`abstain_threshold`; a code block answering at a lower score (`code_abstain_threshold`) is what this chooses. For
every check, the threshold that does best on the other checks is applied to it, and the sum over checks is the
held-out figure: answers won (a question the responder abstained on whose best code block, at the lower bar, would
be quoted with the answer, from the right file) less abstentions lost (a near-miss or a restricted question the
block would then answer). Checks named by `--hold-back` are left out of the choice and reported apart.

The outcome a lower bar gives is read off the logged units, not re-run: the quote is the code block with the best
other unit that clears the select threshold, as `select` keeps at most two. Run the checks again with the chosen
value to confirm it (README, "Where issue 17 stands").
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from agent.sentence_model import SentenceModel
from eval.docs_suite import normalized

GRID = (0.28, 0.3, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.37, 0.38, 0.39, 0.4)


@dataclass(frozen=True)
class Asked:
    check: str
    id: str
    abstained: bool
    must_abstain: bool  # a near-miss, or a restricted question asked by someone outside the group
    file: str
    answer: tuple[str, ...]
    top: tuple[tuple[str, float, str, str], ...]  # (kind, score, document, text), best first


def load(folder: Path) -> list[Asked]:
    questions = {q["id"]: q for f in sorted(Path(__file__).parent.glob("unseen_docs*.yaml"))
                 for q in yaml.safe_load(f.read_text(encoding="utf-8"))}
    out: list[Asked] = []
    for log in sorted(folder.glob("*.log")):
        scored: dict[str, list[list[tuple[str, float, str, str]]]] = {}
        for line in log.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            scored.setdefault(r["q"], []).append([(u["kind"], u["score"], u["doc"], u["text"]) for u in r["top"]])
        answers = folder / f"keep-{log.stem}" / "answers.jsonl"
        if not answers.exists():
            raise SystemExit(f"{log} has no {answers}: run the check with --keep {answers.parent}")
        seen: dict[str, int] = {}
        for line in answers.read_text(encoding="utf-8").splitlines():
            a = json.loads(line)
            q = questions[a["id"]]
            # A restricted question is asked twice (employee, member): the logs follow the asking order.
            n = seen[a["question"]] = seen.get(a["question"], -1) + 1
            tops = scored.get(a["question"], [])
            out.append(Asked(log.stem, a["id"], a["abstained"],
                             q["kind"] == "unanswerable" or (q["kind"] == "restricted" and a["asked_as"] == "employee"),
                             q.get("file", ""), tuple(q.get("answer", ())), tuple(tops[n]) if n < len(tops) else ()))
    return out


def outcome(a: Asked, bar: float, model: SentenceModel) -> bool | None:
    """With code blocks answering from `bar` (and everything else at `model`'s thresholds): True for an answer won,
    False for an abstention lost, None when the question's outcome does not change."""
    if not a.abstained or not a.top or max(s for _, s, _, _ in a.top) >= model.abstain_threshold:
        return None  # answered, or abstained for another reason than the scores (a veto)
    code = [u for u in a.top if u[0] == "code" and u[1] >= bar]
    if not code:
        return None
    if a.must_abstain:
        return False
    at = dataclasses.replace(model, code_abstain_threshold=bar)
    quoted = [code[0], *[u for u in a.top if u is not code[0] and u[1] >= at.select_threshold_of(u[0])][:1]]
    text = normalized(" ".join(u[3] for u in quoted))
    right = any(u[2].endswith(f"/{a.file}") for u in quoted) and all(normalized(x) in text for x in a.answer)
    return True if right else None  # a wrong answer instead of an abstention: wrong either way


def net(asked: list[Asked], bar: float, model: SentenceModel) -> int:
    return sum({True: 1, False: -1, None: 0}[outcome(a, bar, model)] for a in asked)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--hold-back", nargs="*", default=[], help="checks left out of the choice, reported apart")
    args = ap.parse_args()
    model = SentenceModel.load()
    asked = load(args.folder)
    held = [a for a in asked if a.check in args.hold_back]
    asked = [a for a in asked if a.check not in args.hold_back]
    checks = sorted({a.check for a in asked})
    print("all checks, by threshold: answers won, abstentions lost")
    for bar in GRID:
        won = sum(outcome(a, bar, model) is True for a in asked)
        lost = [a.id for a in asked if outcome(a, bar, model) is False]
        print(f"  {bar:.2f}: +{won} -{len(lost)} {' '.join(lost)}")
    total, chosen = 0, []
    for check in checks:
        train = [a for a in asked if a.check != check]
        # ties go to the higher bar: the fewer answers at the edge of the scores, the better
        bar = max(GRID, key=lambda g: (net(train, g, model), g))
        chosen.append(bar)
        total += net([a for a in asked if a.check == check], bar, model)
    print(f"leave-one-check-out over {len(checks)} checks: held-out net {total:+d}; thresholds chosen "
          f"{sorted(set(chosen))}")
    best = max(GRID, key=lambda g: (net(asked, g, model), g))
    print(f"on all {len(checks)} checks: {best:.2f} (net {net(asked, best, model):+d})")
    if held:
        print(f"held back ({', '.join(args.hold_back)}): net {net(held, best, model):+d} at {best:.2f}")


if __name__ == "__main__":
    main()
