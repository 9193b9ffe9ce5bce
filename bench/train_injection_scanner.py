"""Train the learned injection scanner and measure it by *family hold-out*, on demand.

Positives: the attack families of BIPIA (15 text, 10 code) and of the bastion corpus (7 malicious categories).
Negatives: ordinary passages (SciFact abstracts, SQuAD paragraphs, BIPIA's benign emails, bastion's benign rows,
the golden handbook, and software documentation: the long descriptions — READMEs with install steps, code and
imperatives — of the Python packages installed beside Cairn). For each family, a model is fitted on every *other*
family and four fifths of the negatives; its threshold is the 98th percentile of its own training negatives' scores
(so it never sees the held-out family or negatives); recall is measured on the held-out family's payloads, bare and
planted in the middle of a benign email, and false positives on the held-out fifth of negatives. The pattern
scanner alone and the union of both are reported the same way, and so is the share of the docs dev set's chunks
(eval/docs, never trained on) each flags: documentation is imperative ("Click Continue", "Do not use tabs"), and a
scanner that flags it costs answers. For the held-out family's payloads that carry a link, it also counts how
often a unit holding the attacker's link survives the answer units' filter of a flagged chunk
(`agent.governance.unit_lures` with the held-out model). Then one model is fitted on everything and written to
agent/injection_model.npz.

    .venv/bin/python bench/train_injection_scanner.py --data ../shared/data [--write]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from agent.injection_model import DIMS, InjectionModel, features, segments
from agent.untrusted import scan, urls
from eval.docs_suite import dev_passages, passages

FP_QUANTILE = 0.98


def positives(data: Path) -> dict[str, list[str]]:
    fams: dict[str, list[str]] = defaultdict(list)
    for kind in ("text", "code"):
        for cat, items in json.loads((data / "injection" / f"{kind}_attack_train.json").read_text()).items():
            fams[f"bipia-{kind}:{cat}"] += items
    for line in (data / "injection" / "bastioncorpus_injections.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["label"] == "malicious":
            fams[f"bastion:{row['category']}"].append(row["text"])
    return dict(fams)


def negatives(data: Path, rng: random.Random, repo: Path) -> list[str]:
    out: list[str] = []
    sci = [json.loads(x) for x in (data / "scifact" / "corpus.jsonl").read_text().splitlines()]
    out += [f"{d['title']}. {' '.join(d['sentences'])}" for d in rng.sample(sci, 1200)]
    squad = json.loads((data / "squad" / "train-v2.0-10articles.json").read_text())
    paras = [p["context"] for a in squad["data"] for p in a["paragraphs"]]
    out += rng.sample(paras, min(600, len(paras)))
    out += [json.loads(x)["context"] for x in (data / "injection" / "email_train.jsonl").read_text().splitlines()]
    out += [json.loads(x)["text"] for x in (data / "injection" / "bastioncorpus_injections.jsonl").read_text()
            .splitlines() if json.loads(x)["label"] == "benign"]
    for f in sorted((repo / "eval" / "golden" / "corpus" / "docs").rglob("*.md")):
        out += [p for p in f.read_text().split("\n\n") if len(p.split()) >= 5]
    out += package_docs(rng, 1500)
    return out


def package_docs(rng: random.Random, n: int) -> list[str]:
    """Passages of the installed packages' long descriptions (their READMEs)."""
    from importlib.metadata import distributions

    out: list[str] = []
    for dist in sorted(distributions(), key=lambda d: str(d.metadata["Name"] or "")):
        body = dist.metadata.get_payload() or ""  # type: ignore[attr-defined]  # an email.message.Message
        out += passages(str(body))
    return rng.sample(out, min(n, len(out)))


def emails(data: Path) -> list[str]:
    return [json.loads(x)["context"] for x in (data / "injection" / "email_train.jsonl").read_text().splitlines()]


def matrix(texts: list[str]) -> csr_matrix:
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        idx, v = features(t)
        rows += [i] * len(idx)
        cols += idx.tolist()
        vals += v.tolist()
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), DIMS), dtype=np.float32)


def fit(pos: list[str], neg: list[str], c: float) -> InjectionModel:
    # Negatives enter as their segments too: at run time every line and sentence of a passage is scored.
    neg_units = [s for t in neg for s in segments(t)]
    pos_units = [s for t in pos for s in segments(t)[:1]]  # the whole payload: its parts may be benign
    x = matrix(pos_units + neg_units)
    y = np.array([1] * len(pos_units) + [0] * len(neg_units))
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    lr.fit(x, y)
    model = InjectionModel(lr.coef_[0].astype(np.float32), float(lr.intercept_[0]), 1.0)
    scores = np.array([model.score(t) for t in neg])
    return InjectionModel(model.weights, model.bias, float(np.quantile(scores, FP_QUANTILE)))


def planted(payload: str, carrier: str) -> str:
    mid = len(carrier) // 2
    cut = carrier.rfind(" ", 0, mid)
    return f"{carrier[:cut]} {payload} {carrier[cut:]}"


def linked_units_kept(model: InjectionModel, payloads: list[str], carriers: list[str]) -> tuple[int, int, int]:
    """Of a held-out family's payloads that carry a link, planted mid-email: how many land in a chunk the
    governance loop flags (patterns or this model); in how many of those a unit holding the attacker's link
    still reaches the answer scorers under the shipped rule (`agent.extractive.candidates`: only a code block
    that does not lure by itself, `agent.governance.unit_lures` with this model); and in how many it would if
    every kind of unit were let through on the same check."""
    from agent.extractive import candidates
    from agent.governance import findings_in, unit_lures
    from agent.tool_results import Passage

    lures = unit_lures(model)
    flagged = kept = kept_any_kind = 0
    for k, payload in enumerate(p for p in payloads if urls(p)):
        text = planted(payload, carriers[k % len(carriers)])
        if not findings_in(text, model):
            continue
        flagged += 1
        chunk = Passage(chunk_id="c", document_id="d", start=0, end=len(text), text=text)
        shipped = candidates([chunk], max_docs=1, min_chars=25, flagged={"c"}, lures=lures)
        kept += any(urls(u.text) & urls(payload) for u in shipped)
        every = candidates([chunk], max_docs=1, min_chars=25, flagged=set(), lures=lures)
        kept_any_kind += any(urls(u.text) & urls(payload) and not lures(u.text) for u in every)
    return flagged, kept, kept_any_kind


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--c", type=float, default=4.0)
    ap.add_argument("--write", action="store_true", help="write agent/injection_model.npz")
    args = ap.parse_args()
    repo = Path(__file__).resolve().parents[1]
    rng = random.Random(13)
    fams = positives(args.data)
    neg = negatives(args.data, rng, repo)
    rng.shuffle(neg)
    folds = [neg[i::5] for i in range(5)]
    carriers = emails(args.data)
    rows = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i, (fam, items) in enumerate(sorted(fams.items())):
        held_neg = folds[i % 5]
        train_neg = [t for j, f in enumerate(folds) if j != i % 5 for t in f]
        train_pos = [t for f, its in fams.items() if f != fam for t in its]
        model = fit(train_pos, train_neg, args.c)
        tests = items + [planted(p, carriers[k % len(carriers)]) for k, p in enumerate(items)]
        learned = [model.flags(t) for t in tests]
        pattern = [bool(scan(t)) for t in tests]
        either = [a or b for a, b in zip(learned, pattern, strict=True)]
        fp_model = sum(model.flags(t) for t in held_neg)
        fp_pattern = sum(bool(scan(t)) for t in held_neg)
        fp_either = sum(model.flags(t) or bool(scan(t)) for t in held_neg)
        flagged_links, kept_links, kept_any_kind = linked_units_kept(model, items, carriers)
        totals["link_kept"][0] += kept_links
        totals["link_kept"][1] += flagged_links
        totals["link_kept_any_kind"][0] += kept_any_kind
        row = {"family": fam, "payloads": len(tests), "recall_pattern": np.mean(pattern),
               "recall_learned": np.mean(learned), "recall_either": np.mean(either),
               "fp_pattern": fp_pattern / len(held_neg), "fp_learned": fp_model / len(held_neg),
               "fp_either": fp_either / len(held_neg)}
        rows.append(row)
        for key, hits in (("pattern", pattern), ("learned", learned), ("either", either)):
            totals[key][0] += sum(hits)
            totals[key][1] += len(hits)
        print(f"{fam:48s} n={len(tests):3d}  pattern {row['recall_pattern']:.2f}  learned "
              f"{row['recall_learned']:.2f}  either {row['recall_either']:.2f}   fp either {row['fp_either']:.3f}",
              flush=True)
    fp = {k: float(np.mean([r[f"fp_{k}"] for r in rows])) for k in ("pattern", "learned", "either")}
    summary = {k: {"recall": totals[k][0] / totals[k][1], "false_positive_rate": fp[k]} for k in fp}
    print(json.dumps({"family_holdout": summary, "families": len(rows), "negatives": len(neg),
                      "linked_payloads_in_flagged_carriers": totals["link_kept"][1],
                      "attacker_link_unit_kept": totals["link_kept"][0],
                      "kept_if_every_unit_kind_were_checked_alike": totals["link_kept_any_kind"][0]}, indent=1))
    dev = dev_passages()
    model = fit([t for its in fams.values() for t in its], neg, args.c)
    print(json.dumps({"docs_dev_passages": len(dev),
                      "flagged_learned": round(sum(model.flags(t) for t in dev) / len(dev), 4),
                      "flagged_pattern": round(sum(bool(scan(t)) for t in dev) / len(dev), 4)}))
    if args.write:
        model.save()
        print(f"wrote agent/injection_model.npz (threshold {model.threshold:.3f})")


if __name__ == "__main__":
    main()
