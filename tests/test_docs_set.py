"""The docs dev set is winnable and its judge is strict: every expected answer is in the parsed text of the file
that should answer it, and an off-topic citation, a missing string or an unwanted answer all count as wrong."""

from __future__ import annotations

from pathlib import Path

from agent.answer import Answer, Citation
from eval.docs_suite import DOCS_DIR, Question, judge, load_questions, normalized
from eval.reading import ReadingItem, holds
from ingest.parse import parse_file

CORPUS = DOCS_DIR / "corpus" / "docs"
KIND_OF = {"md": "md", "html": "html", "pdf": "pdf", "docx": "docx", "pptx": "pptx", "eml": "eml"}


def test_every_question_is_answerable_from_its_file_and_the_set_is_big_enough() -> None:
    qs = load_questions()
    assert len(qs) >= 80 and len({q.id for q in qs}) == len(qs)
    kinds = {q.kind for q in qs}
    assert kinds == {"fact", "number", "two-sentence", "procedure", "table", "code", "unanswerable", "restricted"}
    texts: dict[str, str] = {}
    for q in qs:
        if not q.file:
            continue
        f = CORPUS / q.file
        assert f.is_file(), q.id
        if q.file not in texts:
            texts[q.file] = normalized(parse_file(f, KIND_OF[f.suffix[1:]]).text)
        missing = [a for a in q.answer if normalized(a) not in texts[q.file]]
        assert not missing, (q.id, missing)
    assert all(q.file.startswith("people-ops/") for q in qs if q.kind == "restricted")


def _answer(quotes: list[tuple[str, str]], abstained: bool = False) -> Answer:
    cites = [Citation(n=i, chunk_id="c", document_id=f"docs-dev/{doc}", start=0, end=len(q), quote=q)
             for i, (doc, q) in enumerate(quotes, start=1)]
    return Answer(question="q", answer="a", abstained=abstained, citations=cites)


def test_the_judge_counts_off_topic_and_partial_answers_as_wrong() -> None:
    q = Question("t", "procedure", "How do I cancel?", "handbook/transit.md", ("Withdraw", "submit the form"))
    right = judge(q, _answer([("handbook/transit.md", "Click Withdraw.\nFill out and submit the form")]),
                  "docs-dev", "employee")
    assert right.right
    partial = judge(q, _answer([("handbook/transit.md", "Click Withdraw.")]), "docs-dev", "employee")
    off_topic = judge(q, _answer([("handbook/other.md", "Withdraw and submit the form")]), "docs-dev", "employee")
    abstained = judge(q, _answer([], abstained=True), "docs-dev", "employee")
    assert not (partial.right or off_topic.right or abstained.right)
    secret = Question("s", "restricted", "Clearance?", "people-ops/top-secret.md", ("6-8 months",))
    leak = judge(secret, _answer([("people-ops/top-secret.md", "6-8 months")]), "docs-dev", "employee")
    assert leak.leak and not leak.right
    assert judge(secret, _answer([("people-ops/top-secret.md", "6-8 months")]), "docs-dev", "member").right
    none = Question("n", "unanswerable", "Parking?")
    assert not judge(none, _answer([("handbook/transit.md", "Parking is free.")]), "docs-dev", "employee").right


def test_reading_answers_must_cover_the_gold_span_in_the_right_document() -> None:
    item = ReadingItem("1", "When?", "sq0-1", spans=((20, 30),))
    assert holds(item, "sq0-1", 10, 40, "")
    assert not holds(item, "sq0-1", 25, 40, "")  # cuts the answer
    assert not holds(item, "sq0-2", 10, 40, "")  # another paragraph
    assert not holds(item, "sq10-1", 10, 40, "")
    money = ReadingItem("2", "Paid?", "em1", money="2500.00")
    assert holds(money, "em1", 0, 9, "paid $2,500.00 to Athena")


def test_the_dev_corpus_is_pinned_with_its_sources() -> None:
    readme = (DOCS_DIR / "README.md").read_text()
    for folder in ("handbook", "people-ops", "httpx", "styleguides", "pdf", "generated"):
        assert f"corpus/docs/{folder}/" in readme
        assert any((CORPUS / folder).iterdir())
    assert Path(DOCS_DIR / "make_generated.py").is_file()
