"""What a PDF's layout costs the answers: the same articles asked as Markdown and as two-column printed PDFs.

    .venv/bin/python bench/pdf_fidelity.py [--articles 4] [--questions 25] [--keep DIR]

Four SQuAD 2.0 training articles (Wikipedia length) are written twice: as Markdown, and as HTML with a title,
authors and the body in two columns, printed to PDF by headless Chromium — a paper's layout, where column and
page breaks cut paragraphs. (No section headings: the articles' paragraphs have none, and made-up ones, "Part
3", would say nothing a unit could be read with.) Each form is ingested
on its own (`eval.docs_suite.run_docs`: real ingestion on the embedded default) and asked the same answerable
questions of those articles; an answer is right when a citation of the right file holds the gold answer text.
The gap between the two forms is what the PDF path loses. Nothing here was fitted on; the SQuAD questions are
training questions (the answer model saw some of their paragraphs, as records, in calibration).
"""

from __future__ import annotations

import argparse
import html
import json
import random
import shutil
import tempfile
from pathlib import Path

from eval.printing import print_to_pdf

ARTICLES = ("IPod", "The_Legend_of_Zelda:_Twilight_Princess", "Spectre_(2015_film)", "Solar_energy")
MANIFEST = """name: fidelity
description: SQuAD articles as Markdown or as two-column PDFs (bench/pdf_fidelity.py)
owner: bench@example.com
source:
  path: ./docs
acl:
  default: {groups: [employees]}
approval:
  status: approved
  by: bench@example.com
  at: 2026-12-01T00:00:00Z
"""
STYLE = ("body{font-family:serif;font-size:10pt;margin:0}h1{text-align:center;font-size:16pt}"
         ".authors{text-align:center}.cols{column-count:2;column-gap:1.5em;text-align:justify}")


def slug(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title).strip("-").lower()


def markdown(title: str, paragraphs: list[str]) -> str:
    return f"# {title}\n\nJane Doe and John Roe\n\n" + "\n\n".join(paragraphs) + "\n"


def paper_html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<html><head><title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p class='authors'>Jane Doe and John Roe</p>"
            f"<div class='cols'>{body}</div></body></html>")


def build(root: Path, form: str, articles: list[tuple[str, list[str]]]) -> None:
    docs = root / "docs"
    docs.mkdir(parents=True)
    (root / "corpus.yaml").write_text(MANIFEST)
    for title, paragraphs in articles:
        name = slug(title)
        if form == "md":
            (docs / f"{name}.md").write_text(markdown(title.replace("_", " "), paragraphs), encoding="utf-8")
            continue
        page = root / f"{name}.html"
        page.write_text(paper_html(title.replace("_", " "), paragraphs), encoding="utf-8")
        print_to_pdf(page, docs / f"{name}.pdf")
        page.unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--squad", type=Path, default=Path("../shared/data/squad/train-v2.0-10articles.json"))
    ap.add_argument("--articles", type=int, default=len(ARTICLES))
    ap.add_argument("--questions", type=int, default=25, help="answerable questions per article")
    ap.add_argument("--keep", type=Path, help="build the corpora here and keep them")
    args = ap.parse_args()
    from eval.docs_suite import Question, run_docs
    from kernel.settings import Settings
    from wiring.services import offline_environment

    offline_environment()
    data = {a["title"]: a for a in json.loads(args.squad.read_text())["data"]}
    chosen = [(t, [p["context"] for p in data[t]["paragraphs"]]) for t in ARTICLES[: args.articles]]
    rng = random.Random(25)
    base: list[tuple[str, str, str, str]] = []  # (id, question, article slug, answer)
    for t in ARTICLES[: args.articles]:
        qas = [qa for p in data[t]["paragraphs"] for qa in p["qas"] if not qa["is_impossible"]]
        for qa in rng.sample(qas, min(args.questions, len(qas))):
            base.append((qa["id"], qa["question"], slug(t), qa["answers"][0]["text"]))
    root = args.keep or Path(tempfile.mkdtemp(prefix="cairn-fidelity-"))
    try:
        for form in ("md", "pdf"):
            build(root / form / "source", form, chosen)
            questions = [Question(i, "fact", q, f"{name}.{form}", (a,)) for i, q, name, a in base]
            report = run_docs(Settings(), root / form / "run", questions, out_file=root / form / "answers.jsonl",
                              corpus_dir=root / form / "source")
            r = report.to_json()
            print(json.dumps({"form": form, "questions": r["answerable"], "right": r["answerable_right"],
                              "abstained": r["answerable_abstained"], "latency_p50_ms": r["latency_p50_ms"]}),
                  flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
