"""Fit the extractive responder's answer model on a mix of domains, none favoured, and report how it carries over.

    .venv/bin/python bench/calibrate_answers.py [--point SELECT,ABSTAIN,MAX_UNITS] [--l2 L2] [--write] [--no-rationale]

Domains (training data only): SciFact training claims (a quarter with their evidence ACL-restricted: those must
be abstained on), SQuAD 2.0 training questions over their articles' paragraphs (answerable and the
unanswerable ones that look answerable), BIPIA's email QA (a dollar amount, or "unknown"), and the docs dev set
(eval/docs). For every question the real search runs, the real answer units are cut and featurized exactly as
the responder does (prefilter included), and each unit is labelled: does it hold the answer (SciFact: overlap a
gold rationale sentence)?

The logistic model is fitted with every domain weighted equally. Reported: leave-one-domain-out (fit and pick
thresholds on three domains, score the fourth — the figure that says how the model does on a kind of text it
never saw) and 2-fold cross-validation within the pooled set, folds by source (`eval.domains.fold`: a claim, a
SQuAD article, a mailbox, a docs file), so no question is scored by a model fitted on a sibling question about
the same paragraph. With --write the model fitted on all domains goes to agent/sentence_model.json, at the
thresholds best on average over the domains' cross-validated scores, or at --point (the shipped one, and why,
is in the README's "Answers, session 13").
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

from eval.domains import fold
from kernel.settings import Settings

DOMAINS = ("scifact", "squad", "email", "docs")
COLLECTED = 16  # units per question that reach the cross-encoders while collecting


def _responder(svc: Any, rationale: bool, prefilter: int) -> Any:
    from agent.extractive import CrossEncoderScorer, EmbeddingScorer, ExtractiveConfig, ExtractiveResponder
    from agent.governance import unit_lures
    from agent.sentence_model import FEATURES, SentenceModel

    class _Zero:
        def score(self, question: str, sentences: Any) -> list[float]:
            return [0.0] * len(sentences)

    blank = SentenceModel(tuple(0.0 for _ in FEATURES), 0.0, 0.5, 0.5, 4, 2, prefilter, 0.5)
    rt = CrossEncoderScorer(svc.rationale) if rationale else _Zero()
    return ExtractiveResponder(CrossEncoderScorer(svc.reranker), EmbeddingScorer(svc.embedder), rt, blank,
                               ExtractiveConfig(), unit_lures(None))


def _units(svc: Any, responder: Any, question: str, who: Any, max_docs: int) -> list[tuple[Any, list[float]]]:
    from agent.builtin_tools import passage
    from agent.extractive import CrossEncoderScorer, ExtractiveConfig, answer_candidates, answer_documents
    from agent.governance import unit_lures
    from agent.sentence_model import asked
    from retrieval.search import SearchRequest

    question = asked(question)
    res = svc.searcher.search(SearchRequest(question, who, k=svc.settings.answer_k)).results
    cfg = ExtractiveConfig(rerank_docs=svc.settings.answer_rerank_docs, rerank_weight=svc.settings.answer_rerank_weight)
    ordered = answer_documents(question, [passage(r.chunk, r.score) for r in res], CrossEncoderScorer(svc.reranker),
                               cfg)
    cands, texts = answer_candidates(ordered,
                                     lambda d: doc.text if (doc := svc.store.catalogue.get_document(d)) else None,
                                     max_docs, 25, set(), unit_lures(None), question)
    if not cands:
        return []
    kept, rows = responder.featurize(question, cands, {d: len(t) for d, t in texts.items()})
    return list(zip(kept, rows, strict=True))


def _unit(cand: Any, x: list[float], hits: list[str], **extra: Any) -> dict[str, Any]:
    """A collected unit: its features, label (`hits`: the gold it holds), texts, span and prefilter score."""
    return {"x": x, "y": int(bool(hits)), "hits": hits, "text": cand.text, "probe": cand.probe,
            "span": [cand.result.document_id, cand.start, cand.end], "prefilter": cand.prefilter, "kind": cand.kind,
            **extra}


def _row(domain: str, qid: str, question: str, answerable: bool, need: int, units: list[dict[str, Any]],
         group: str) -> dict[str, Any]:
    return {"domain": domain, "id": qid, "question": question, "answerable": answerable, "need": need,
            "units": units, "group": group}


def collect_records(args: argparse.Namespace, domain: str) -> list[dict[str, Any]]:
    """SciFact, SQuAD and email: records ingested as documents into a scratch index."""
    from eval.answers import pick_restricted
    from eval.datasets import EVAL_USER
    from eval.gate import scifact_sample
    from eval.reading import email_items, holds, squad_items
    from eval.scratch import open_eval_corpus
    from kernel.types import Principal

    who = Principal(EVAL_USER)
    out: list[dict[str, Any]] = []
    if domain == "scifact":
        docs, _, claims = scifact_sample(args.scifact, args.claims, args.distractors)
        restricted = pick_restricted(claims, 0.25)
        rdocs = {d for c in claims if c.id in restricted for d in c.evidence_docs}
        svc, _ = open_eval_corpus(Settings(), docs, rdocs)
        by_id = {d.id: d for d in docs}
        resp = _responder(svc, args.rationale, COLLECTED)
        for c in claims:
            if c.id not in restricted and c.evidence_docs & rdocs:
                continue
            units = []
            for cand, x in _units(svc, resp, c.text, who, args.max_docs):
                doc = by_id[cand.result.document_id]
                idx = [i for i, (a, b) in enumerate(doc.sentence_offsets()) if a < cand.end and cand.start < b]
                hits = sorted({f"{doc.id}:{i}" for i in idx} & {f"{d}:{i}" for d, i in c.gold})
                units.append(_unit(cand, x, hits, n_idx=len(idx)))
            out.append(_row("scifact", c.id, c.text, c.id not in restricted, len(c.gold), units, c.id))
        svc.close()
        return out
    docs, items = (squad_items(args.squad, args.squad_answerable, args.squad_unanswerable, seed=7)
                   if domain == "squad" else email_items(args.email))
    svc, _ = open_eval_corpus(Settings(), docs)
    resp = _responder(svc, args.rationale, COLLECTED)
    for item in items:
        units = []
        for cand, x in _units(svc, resp, item.question, Principal(EVAL_USER, item.groups), args.max_docs):
            hit = holds(item, cand.result.document_id, cand.start, cand.end, cand.text)
            units.append(_unit(cand, x, ["a"] if hit else []))
        # A SQuAD paragraph is "sq<article>-<paragraph>" (eval.reading): the source is the article. An email's
        # id has no "-": the source is the mailbox.
        out.append(_row(domain, item.id, item.question, item.answerable, 1, units,
                        item.document_id.split("-")[0]))
    svc.close()
    return out


def collect_docs(args: argparse.Namespace) -> list[dict[str, Any]]:
    from eval.docs_suite import EMPLOYEE, load_questions, normalized, open_docs_corpus

    svc, loaded = open_docs_corpus(Settings(), Path(".cairn/calibration-docs"))
    resp = _responder(svc, args.rationale, COLLECTED)
    out = []
    for q in load_questions():
        answerable = q.kind not in ("unanswerable", "restricted")
        units = []
        for cand, x in _units(svc, resp, q.question, EMPLOYEE, args.max_docs):
            right_file = cand.result.document_id == f"{loaded.manifest.name}/{q.file}"
            hits = [str(i) for i, a in enumerate(q.answer) if right_file and normalized(a) in normalized(cand.text)]
            units.append(_unit(cand, x, hits))
        out.append(_row("docs", q.id, q.question, answerable, len(q.answer), units, q.file or q.id))
    svc.close()
    return out


def refeaturized(rows: list[dict[str, Any]], prefilter: int, collected_with: list[str]) -> list[dict[str, Any]]:
    """Rows as the responder would see them with a smaller prefilter, features recomputed. Every feature is a
    pure function of the question, the unit's text and the three scorers' outputs (stored in the row), and
    the prefilter's score is stored with each unit (rows collected before it was stored: the bi-encoder score
    plus half the plain word overlap, as the prefilter was then): so a change to the text features or the
    prefilter's size is measured exactly, without collecting again."""
    from agent.sentence_model import asked, features

    col = {n: collected_with.index(n) for n in ("ce", "emb", "rt", "doc_rank", "position", "overlap", "is_block",
                                                "is_pair")}
    out = []
    for r in rows:
        us = r["units"]
        cheap = [u.get("prefilter", u["x"][col["emb"]] + 0.5 * u["x"][col["overlap"]]) for u in us]
        us = [us[i] for i in sorted(sorted(range(len(us)), key=lambda i: -cheap[i])[:prefilter])]
        xs = features(asked(r["question"]), [u.get("probe") or u["text"] for u in us],
                      [u["x"][col["ce"]] * 10 for u in us], [u["x"][col["emb"]] for u in us],
                      [u["x"][col["rt"]] * 10 for u in us], [int(u["x"][col["doc_rank"]]) for u in us],
                      [u["x"][col["position"]] for u in us],
                      ["pair" if u["x"][col["is_pair"]] else "row" if u["x"][col["is_block"]] else "sentence"
                       for u in us], [tuple(u["span"]) for u in us])
        out.append({**r, "units": [{**u, "x": x} for u, x in zip(us, xs, strict=True)]})
    return out


def cv_folds(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The two cross-validation folds, by source: questions about one article, mailbox or file stay together."""
    return [[r for r in rows if fold(r["group"]) == k] for k in (0, 1)]


def fit(rows: list[dict[str, Any]], l2: float, steps: int = 4000) -> tuple[np.ndarray, float]:
    """Logistic regression, every domain weighing the same in total, features standardized for the descent
    and the weights mapped back to raw features. `l2` penalizes the standardized weights: the three scorers
    each enter as a score, a gap, a rank and a lead, and with a weak penalty these collinear features took
    large weights of opposite signs that did not carry over across folds."""
    xs, ys, ws = [], [], []
    per_domain = {d: sum(len(r["units"]) for r in rows if r["domain"] == d) for d in DOMAINS}
    for r in rows:
        for u in r["units"]:
            xs.append(u["x"])
            ys.append(u["y"])
            ws.append(1.0 / max(per_domain[r["domain"]], 1))
    x, y, w = np.array(xs, dtype=float), np.array(ys, dtype=float), np.array(ws)
    w = w / w.sum()
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    beta, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ beta + b)))
        g = (p - y) * w
        beta -= 1.0 * (z.T @ g + l2 * beta)
        b -= 1.0 * g.sum()
    return beta / sd, float(b - (beta * mu / sd).sum())


def pick(units: list[dict[str, Any]], p: np.ndarray, sel: float, abst: float, max_units: int,
         code_abst: float | None = None) -> list[int]:
    """agent.extractive.select on collected rows. As there, a pair dropped for its better sentence does not
    count towards answering: when what is left scores under the abstention threshold (`code_abst` for a code
    block, when given), it abstains; the sentence standing for it ranks as the pair did among the units kept."""
    from agent.extractive import goes_on, leaned_on, leaning_sentences, repeats, standing_for
    from agent.sentence_model import FEATURES, SentenceModel, overlaps

    if not units:
        return []
    pair_col, typed = FEATURES.index("is_pair"), FEATURES.index("type_match")

    def scored(i: int, u: dict[str, Any]) -> tuple[str, int, int, float, bool]:
        return u["span"][0], u["span"][1], u["span"][2], float(p[i]), u["x"][typed] > 0

    alone = [i for i, u in enumerate(units) if u["x"][pair_col] == 0 and u["x"][FEATURES.index("is_block")] == 0]
    paired = [i for i, u in enumerate(units) if u["x"][pair_col] == 1]
    said = [(units[i]["span"][0], units[i]["span"][1], units[i]["span"][2], units[i].get("text", "")) for i in alone]
    leaning, going = leaning_sentences(said)
    at = {tuple(units[i]["span"][:3]): i for i in alone}
    p = p.copy()
    # As select, the pairs and sentences are read with the scores `leaned_on` leaves them.
    p[paired + alone] = np.concatenate(leaned_on([scored(i, units[i]) for i in paired],
                                                 [scored(i, units[i]) for i in alone], leaning))
    singles, pairs = [scored(i, units[i]) for i in alone], [scored(i, units[i]) for i in paired]
    rank = p.copy()
    for i, u in enumerate(units):
        if u["x"][pair_col] == 1 and (stand := standing_for(scored(i, u), singles, leaning)):
            # As select: only a sentence answering by its own score ranks as its pair, and a pair going on from an
            # answering first sentence is quoted whole.
            standing = [key for key in stand if p[at[key]] >= abst]
            if standing and goes_on(scored(i, u), singles, going, pairs, abst):
                continue
            for key in standing:
                rank[at[key]] = max(rank[at[key]], p[i])
            p[i] = rank[i] = -1.0

    model = SentenceModel((), 0.0, sel, abst, max_units, 0, 0, abst if code_abst is None else code_abst)
    answering = [i for i in range(len(units)) if p[i] >= model.abstain_threshold_of(units[i].get("kind", ""))]
    if not answering:
        return []
    keep: list[int] = []
    for i in sorted(range(len(units)), key=lambda i: -rank[i]):
        text = units[i].get("text")
        if p[i] < model.select_threshold_of(units[i].get("kind", "")) \
                or any(overlaps(tuple(units[i]["span"]), tuple(units[k]["span"]))
                       or (text is not None and (other := units[k].get("text")) is not None and repeats(text, other))
                       for k in keep):
            continue
        keep.append(i)
        if len(keep) >= max_units:
            break
    return keep or [max(answering, key=lambda i: p[i])]


def evaluate(rows: list[dict[str, Any]], w: np.ndarray, b: float, sel: float, abst: float, max_units: int,
             code_abst: float | None = None) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for d in DOMAINS:
        rs = [r for r in rows if r["domain"] == d]
        if not rs:
            continue
        right = n_ans = abst_ok = n_una = cited = cited_hit = 0
        gold_hit = gold_total = 0
        for r in rs:
            p = 1 / (1 + np.exp(-(np.array([u["x"] for u in r["units"]]).reshape(len(r["units"]), -1) @ w + b))) \
                if r["units"] else np.array([])
            chosen = pick(r["units"], p, sel, abst, max_units, code_abst) if r["units"] else []
            if not r["answerable"]:
                n_una += 1
                abst_ok += not chosen
                continue
            n_ans += 1
            hits = {h for i in chosen for h in r["units"][i]["hits"]}
            # SciFact is scored by the sentence, as its suite does: a unit of two sentences, one of them gold,
            # is half right. Elsewhere a unit is right when it holds the answer.
            cited += sum(r["units"][i].get("n_idx", 1) for i in chosen)
            cited_hit += sum(len(r["units"][i]["hits"]) if d == "scifact" else bool(r["units"][i]["hits"])
                             for i in chosen)
            right += bool(chosen) and len(hits) >= r["need"] if d != "scifact" else bool(hits)
            gold_hit += len(hits)
            gold_total += r["need"]
        out[d] = {"right": right / max(n_ans, 1), "abstain_unanswerable": abst_ok / max(n_una, 1),
                  "unit_precision": cited_hit / max(cited, 1), "gold_recall": gold_hit / max(gold_total, 1)}
    return out


def objective(e: dict[str, dict[str, float]]) -> float:
    """Every domain counts the same: answered right plus abstained-when-unanswerable, halves each."""
    return float(np.mean([0.5 * v["right"] + 0.3 * v["abstain_unanswerable"] + 0.2 * v["unit_precision"]
                          for v in e.values()]))


GRID = list(itertools.product([round(0.2 + 0.05 * i, 2) for i in range(12)],
                              [round(0.1 + 0.05 * i, 2) for i in range(14)], (1, 2, 3)))


def best_point(rows: list[dict[str, Any]], w: np.ndarray, b: float, code_abst: float
               ) -> tuple[tuple[float, float, int], float]:
    scored = [(g, objective(evaluate(rows, w, b, *g, code_abst))) for g in GRID if g[0] >= g[1] - 0.3]
    return max(scored, key=lambda t: t[1])


def operating_point(text: str) -> tuple[float, float, int]:
    """"0.35,0.4,2" -> (select, abstain, max units)."""
    sel, abst, most = text.split(",")
    return float(sel), float(abst), int(most)


def rows_key(args: argparse.Namespace, settings: Settings, parse_version: int, chunk_version: int) -> dict[str, Any]:
    """What the cached rows were collected under; rows collected under another key are collected again.
    "rows": the row layout and how agent/units.py and agent/extractive.py cut and quote units (session 16: a
    section's opening unit is quoted with its heading; 17: connector introductions, nested lists, admonitions; 28:
    bulleted sentences as units, top-level sections, long headings only on a section's opening unit; 37: the
    prefilter's score stored, numbered captions and dangling introductions of code blocks; 38: a bullet after a stop
    ends a sentence; 40: a list item announcing a code block is quoted with it, a
    numbered list goes on across the one paragraph its step announces; 41: a numbered item that reads as a
    sentence is a unit too, a numbered list goes on across a command, a sentence naming "the following" list
    introduces it, a numbered step is quoted with the code block after it when the numbers go on — that last one
    came with PARSE_VERSION 31, which keys the rows by itself; 42: a list item closing on a quoted example, a
    command or a bracketed sentence is a unit too; 43: a quantity's noun a word or two after "what" wants a count,
    which changes the type features; 60: a chunk cutting a procedure whose steps carry commands is widened to its
    last step and command, and a quoted step goes on to them). The parse
    and chunk versions: either change cuts other units, and session 28's rows, collected before its units changed,
    were reused until these were part of the key. "search" and "answer_order": every setting that decides what answers
    are cut from."""
    from retrieval.search import SearchConfig

    return {"rows": "list-items-faq-headings-fragments-rowprose-captions-bullets-steps-items-itemends-counts-kinds"
                    "-stepcommands",
            "parse": parse_version, "chunk": chunk_version, "rationale": args.rationale, "prefilter": COLLECTED,
            "search": json.loads(json.dumps(dataclasses.asdict(SearchConfig.from_settings(settings)))),
            "answer_k": settings.answer_k, "answer_order": [settings.answer_rerank_docs, settings.answer_rerank_weight],
            "max_docs": args.max_docs, "claims": args.claims,
            "distractors": args.distractors, "squad": [args.squad_answerable, args.squad_unanswerable]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scifact", type=Path, default=Path("../shared/data/scifact"))
    ap.add_argument("--squad", type=Path, default=Path("../shared/data/squad/train-v2.0-10articles.json"))
    ap.add_argument("--email", type=Path, default=Path("../shared/data/injection/email_train.jsonl"))
    ap.add_argument("--claims", type=int, default=160)
    ap.add_argument("--distractors", type=int, default=300)
    ap.add_argument("--squad-answerable", type=int, default=300)
    ap.add_argument("--squad-unanswerable", type=int, default=100)
    ap.add_argument("--max-docs", type=int, default=2)
    ap.add_argument("--prefilter", type=int, default=8,
                    help="units that reach the cross-encoders (at most the 16 collected)")
    ap.add_argument("--no-rationale", dest="rationale", action="store_false",
                    help="leave the SciFact-trained rationale scorer out (its feature is 0)")
    ap.add_argument("--cache", type=Path, default=Path(".cairn/calibration-rows.json"))
    ap.add_argument("--l2", type=float, default=0.02,
                    help="penalty on the standardized weights (session 15: 0.02; 0.001 before, see the README)")
    ap.add_argument("--point", type=operating_point,
                    help="SELECT,ABSTAIN,MAX_UNITS: write this operating point instead of the CV-best one")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    from agent.sentence_model import FEATURES, MODEL_FILE
    from ingest.chunk import CHUNK_VERSION
    from ingest.parse import PARSE_VERSION
    from wiring.services import offline_environment

    offline_environment()
    # The code blocks' threshold is not fitted here (bench/code_threshold.py chooses it): it is carried over from
    # the model file, and every operating point is evaluated with it, as the responder would answer.
    code_abst = float(json.loads(MODEL_FILE.read_text())["code_abstain_threshold"])
    # The stored rows keep the scorers' raw outputs under the feature names of their collection, so features
    # added since are computed from them: a change of features does not mean collecting again.
    kind = rows_key(args, Settings(), PARSE_VERSION, CHUNK_VERSION)
    cached = json.loads(args.cache.read_text()) if args.cache.is_file() else {}
    rows: list[dict[str, Any]] = cached.get("rows", []) if cached.get("kind") == kind else []
    collected_with = cached.get("features", list(FEATURES)) if rows else list(FEATURES)
    have = {r["domain"] for r in rows}
    for d in DOMAINS:
        if d not in have:
            print(f"collecting {d} ...", flush=True)
            rows += collect_docs(args) if d == "docs" else collect_records(args, d)  # at COLLECTED
            args.cache.parent.mkdir(parents=True, exist_ok=True)
            args.cache.write_text(json.dumps({"kind": kind, "features": collected_with, "rows": rows}))
    rows = refeaturized(rows, args.prefilter, collected_with)
    for d in DOMAINS:
        rs = [r for r in rows if r["domain"] == d]
        print(f"{d}: {len(rs)} questions ({sum(not r['answerable'] for r in rs)} to abstain on), "
              f"{sum(len(r['units']) for r in rs)} units, {sum(u['y'] for r in rs for u in r['units'])} positive")

    def fmt(e: dict[str, float]) -> str:
        return " ".join(f"{k}={v:.3f}" for k, v in e.items())

    print("\nleave-one-domain-out (fit + thresholds on the other three, scored on this one):")
    lodo = {}
    for d in DOMAINS:
        train = [r for r in rows if r["domain"] != d]
        w, b = fit(train, args.l2)
        g, _ = best_point(train, w, b, code_abst)
        lodo[d] = evaluate([r for r in rows if r["domain"] == d], w, b, *g, code_abst)[d]
        print(f"  {d:8s} at {g}: {fmt(lodo[d])}")
    print("\n2-fold cross-validation, pooled (folds by source: claim, article, mailbox, file):")
    folds = cv_folds(rows)
    fitted = [fit(folds[1 - k], args.l2) for k in (0, 1)]
    cv_at: dict[tuple[float, float, int], dict[str, dict[str, float]]] = {}
    for g in GRID:
        if g[0] < g[1] - 0.3:
            continue
        per = [evaluate(folds[k], fitted[k][0], fitted[k][1], *g, code_abst) for k in (0, 1)]
        cv_at[g] = {d: {m: (per[0][d][m] + per[1][d][m]) / 2 for m in per[0][d]} for d in per[0]}
    g_best = max(cv_at, key=lambda g: objective(cv_at[g]))
    for d, e in cv_at[g_best].items():
        print(f"  {d:8s} at {g_best}: {fmt(e)}")
    if args.point:
        g_best = args.point
        if g_best not in cv_at:
            raise SystemExit(f"--point {g_best} is not on the grid")
        print(f"\nat --point {g_best} (objective {objective(cv_at[g_best]):.4f}):")
        for d, e in cv_at[g_best].items():
            print(f"  {d:8s}: {fmt(e)}")
    if args.write:
        w, b = fit(rows, args.l2)
        sel, abst, mu = g_best
        MODEL_FILE.write_text(json.dumps({
            "features": list(FEATURES), "weights": [round(float(v), 6) for v in w], "bias": round(b, 6),
            "select_threshold": sel, "abstain_threshold": abst, "max_sentences": mu, "max_docs": args.max_docs,
            "prefilter": args.prefilter, "code_abstain_threshold": code_abst, "l2": args.l2,
            "fitted_on": "SciFact train claims, SQuAD 2.0 train questions, BIPIA email QA, docs dev set; "
                         f"domains weighted equally; rationale scorer {'on' if args.rationale else 'off'}",
            "cv": {d: {m: round(v, 4) for m, v in e.items()} for d, e in cv_at[g_best].items()},
            "leave_one_domain_out": {d: {m: round(v, 4) for m, v in e.items()} for d, e in lodo.items()},
        }, indent=2) + "\n")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
