"""End-to-end ingestion with real parsers, the real embedder, the real Qdrant Edge shard and SQLite."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from index.access import access_filter
from index.sparse import Bm25Encoder
from ingest.corpora import remove_corpus
from ingest.manifest import load_manifest
from ingest.minimal_pdf import pdf_bytes
from ingest.pipeline import IngestReport, ingest
from kernel.errors import CorpusNotApprovedError
from kernel.settings import Settings
from kernel.types import Chunk, Principal
from testing.docs import all_types_corpus, manifest
from wiring.services import Services

EVERYONE = Principal("auditor", ("employees", "hr"))


def run(svc: Services, root: Path, **kw: object) -> IngestReport:
    loaded = load_manifest(root)
    return ingest(loaded, svc.settings, svc.store, svc.index, svc.embedder, svc.bm25, **kw)  # type: ignore[arg-type]


def chunks_of(svc: Services, doc_id: str, who: Principal = EVERYONE) -> list[Chunk]:
    ids = [r.chunk_id for r in svc.store.catalogue.chunk_rows(doc_id)]
    hits = svc.index.retrieve(ids, access_filter(who))
    return sorted((h.chunk for h in hits), key=lambda c: c.ordinal)


def test_every_supported_type_is_parsed_chunked_and_tagged(tmp_path: Path, services: Services) -> None:
    root = all_types_corpus(tmp_path / "corpus")
    report = run(services, root)
    assert report.added == 7, report.failures
    assert report.failed == 1
    assert "unsupported file type '.xyz'" in report.failures[0]["reason"]
    assert report.chunks_written == report.chunks_embedded > 0

    for doc in services.store.catalogue.documents("allkinds", ["indexed"]):
        chunks = chunks_of(services, doc.id)
        assert len(chunks) == doc.chunk_count > 0
        for c in chunks:
            assert c.text == doc.text[c.start : c.end], doc.id
            assert list(c.acl) == doc.acl

    md = chunks_of(services, "allkinds/leave.md")
    assert md[0].heading_path == ("Leave policy",)
    carry = next(c for c in md if "five unused days" in c.text)
    assert carry.heading_path == ("Leave policy", "Carry over")

    pdf = chunks_of(services, "allkinds/report.pdf")
    pdf_text = " ".join(c.text for c in pdf)
    assert "Fire drills are held twice a year" in pdf_text  # fast PDF parsing really extracted text
    pages = {c.page for c in pdf}
    assert 1 in pages
    incident = services.store.catalogue.get_document("allkinds/report.pdf")
    assert incident is not None and "Three minor incidents" in incident.text
    second = [c for c in pdf if "Three minor incidents" in c.text]
    assert second and (second[0].page == 2 or len(pdf) == 1)

    docx = chunks_of(services, "allkinds/travel.docx")
    per_diem = next(c for c in docx if "forty euros" in c.text)
    assert per_diem.heading_path[-1] == "Per diem"
    assert "full disk encryption" in " ".join(c.text for c in chunks_of(services, "allkinds/security.pptx"))
    assert "ninety days" in " ".join(c.text for c in chunks_of(services, "allkinds/password.eml"))
    assert "underground garage" in " ".join(c.text for c in chunks_of(services, "allkinds/office.html"))

    hr = chunks_of(services, "allkinds/hr/salaries.txt")
    assert hr and all(c.acl == ("group:hr",) for c in hr)
    assert chunks_of(services, "allkinds/hr/salaries.txt", Principal("bob", ("employees",))) == []


def test_jsonl_records_keep_ids_and_own_acl(tmp_path: Path, services: Services) -> None:
    root = all_types_corpus(tmp_path / "corpus")
    manifest(root, "records", {"records": "./records.jsonl"}, {"default": {"groups": ["employees"]}})
    report = run(services, root)
    assert report.added == 2
    rec1 = chunks_of(services, "rec-1")
    assert rec1[0].document_id == "rec-1" and rec1[0].title == "Expense claims"
    assert rec1[0].acl == ("group:employees",)
    assert chunks_of(services, "rec-2", Principal("ceo"))[0].acl == ("user:ceo",)
    assert chunks_of(services, "rec-2", Principal("bob", ("employees",))) == []


def test_a_new_parser_version_parses_ingested_files_again(tmp_path: Path, services: Services,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n\nA paragraph that the next release parses differently.\n")
    manifest(root, "parsever", {"path": "./docs"}, {"default": {"groups": ["g"]}})
    assert run(services, root).added == 1
    monkeypatch.setattr("ingest.pipeline.PARSE_VERSION", -1)
    again = run(services, root)
    assert (again.updated, again.unchanged, again.chunks_embedded) == (1, 0, 0)  # same text: vectors reused
    monkeypatch.setattr("ingest.pipeline.CHUNK_VERSION", -1)  # so does a new chunker
    assert run(services, root).updated == 1


def test_another_bm25_encoding_indexes_ingested_files_again(tmp_path: Path, services: Services) -> None:
    """Stored sparse vectors must match how queries are encoded: a change of BM25 parameters (or of the
    library's tokenizer) re-indexes, or old documents would keep terms that new queries never produce."""
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n\nThe runbook names the failover switch and the pager rota.\n")
    manifest(root, "bm25ver", {"path": "./docs"}, {"default": {"groups": ["g"]}})
    assert run(services, root).added == 1
    assert run(services, root).unchanged == 1
    before = services.bm25.document("The runbook names the failover switch and the pager rota.")
    services.bm25 = Bm25Encoder(k1=0.9, b=0.4)
    assert services.bm25.document("The runbook names the failover switch and the pager rota.") != before
    again = run(services, root)
    assert (again.updated, again.unchanged, again.chunks_embedded) == (1, 0, 0)  # before: unchanged, stale terms
    assert run(services, root).unchanged == 1


def test_reingest_is_incremental(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    docs = root / "docs"
    docs.mkdir(parents=True)
    for i in range(3):
        (docs / f"d{i}.md").write_text(f"# Doc {i}\n\nParagraph number {i} about topic {i * 7}.\n")
    manifest(root, "inc", {"path": "./docs"}, {"default": {"groups": ["g"]}})
    first = run(services, root)
    assert first.added == 3 and first.chunks_embedded == 3

    again = run(services, root)
    assert (again.unchanged, again.chunks_embedded, again.chunks_written) == (3, 0, 0)

    (docs / "d1.md").write_text("# Doc 1\n\nAn edited paragraph, long enough to be a section of its own.\n\n"
                                "## More\n\nA second section appears, and it is long enough to stand alone.\n")
    edit = run(services, root)
    assert (edit.updated, edit.unchanged) == (1, 2)
    assert edit.chunks_embedded == 2
    texts = " ".join(c.text for c in chunks_of(services, "inc/d1.md", Principal("u", ("g",))))
    assert "edited paragraph" in texts and "Paragraph number 1" not in texts

    (docs / "d1.md").write_text("# Doc 1\n\nShort again.\n")
    shrink = run(services, root)
    assert shrink.updated == 1
    assert services.index.count(document_id="inc/d1.md") == 1
    assert len(services.index.point_ids(document_id="inc/d1.md")) == 1  # tombstones cleaned up

    (docs / "d2.md").unlink()
    gone = run(services, root)
    assert gone.deleted == 1
    assert services.index.count(document_id="inc/d2.md") == 0
    assert services.store.catalogue.chunk_rows("inc/d2.md") == []
    assert services.index.count(corpus="inc") == services.store.catalogue.count_chunks("inc") == 2


def test_revoking_removes_everything_from_search(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# Secret plan\n\nThe launch date is in May.\n")
    manifest(root, "rev", {"path": "./docs"}, {"default": {"public": True}})
    run(services, root)
    from retrieval.search import SearchRequest

    hits = services.searcher.search(SearchRequest("launch date", Principal("anyone"))).results
    assert hits and hits[0].chunk.corpus == "rev"
    manifest(root, "rev", {"path": "./docs"}, {"default": {"public": True}}, status="revoked")
    with pytest.raises(CorpusNotApprovedError, match="revoked"):
        run(services, root)
    assert services.searcher.search(SearchRequest("launch date", Principal("anyone"))).results == []
    assert services.index.count(corpus="rev") == 0
    assert all(d.status == "revoked" for d in services.store.catalogue.documents("rev"))
    remove_corpus("rev", services.store, services.index)  # idempotent


def test_pending_corpus_is_refused(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("text")
    manifest(root, "pend", {"path": "./docs"}, {"default": {"public": True}}, status="pending")
    with pytest.raises(CorpusNotApprovedError, match="pending, not approved"):
        run(services, root)
    assert services.index.count(corpus="pend") == 0


def test_bad_inputs_fail_alone(tmp_path: Path, services: Services, settings: Settings) -> None:
    root = tmp_path / "c"
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "good.md").write_text("# Good\n\nThis one is fine.\n")
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf \x00\x01\x02")
    (docs / "truncated.docx").write_bytes(b"PK\x03\x04 broken zip")
    (docs / "empty.pdf").write_bytes(pdf_bytes([[]]))
    (docs / "big.txt").write_text("x " * 5000)
    (docs / "image.png").write_bytes(b"\x89PNG\r\n")
    manifest(root, "bad", {"path": "./docs"}, {"default": {"public": True}})
    svc = replace(services, settings=settings.model_copy(update={"max_file_bytes": 4000}))
    report = run(svc, root)
    reasons = {Path(f["source"]).name: f["reason"] for f in report.failures}
    assert report.added == 1
    assert set(reasons) == {"corrupt.pdf", "truncated.docx", "empty.pdf", "big.txt", "image.png"}
    assert reasons["big.txt"].startswith("file_too_large")
    assert reasons["image.png"].startswith("unsupported_type")
    assert reasons["corrupt.pdf"].startswith("parse_failed")
    assert services.index.count(corpus="bad") == services.store.catalogue.count_chunks("bad") == 1
    failed = services.store.catalogue.get_document("bad/corrupt.pdf")
    assert failed is not None and failed.status == "failed" and failed.error

    # A document that keeps failing is recorded, and after max_attempts it is no longer retried.
    for _ in range(settings.max_attempts):
        run(svc, root)
    row = services.store.catalogue.get_document("bad/corrupt.pdf")
    assert row is not None and row.attempts == settings.max_attempts
    last = run(svc, root)
    # The unsupported file was reported when first seen; later runs count it as skipped, not failed.
    assert last.chunks_written == 0 and last.failed == 4 and last.skipped == 1
    corrupt = services.store.catalogue.get_document("bad/corrupt.pdf")
    assert corrupt is not None and corrupt.attempts == settings.max_attempts


def test_parse_time_limit_stops_a_slow_parse(tmp_path: Path, services: Services, settings: Settings) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    pages = [[f"Line {i} of page {p} with some words to parse." for i in range(40)] for p in range(60)]
    (root / "docs" / "long.pdf").write_bytes(pdf_bytes(pages))
    manifest(root, "slow", {"path": "./docs"}, {"default": {"public": True}})
    svc = replace(services, settings=settings.model_copy(update={"parse_timeout_s": 0.2}))
    report = run(svc, root)
    assert report.failed == 1
    assert report.failures[0]["reason"].startswith("parse_timeout")
    assert services.index.count(corpus="slow") == 0


def test_decompression_bomb_is_contained(tmp_path: Path, services: Services, settings: Settings) -> None:
    import zipfile

    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    bomb = root / "docs" / "bomb.docx"
    body = "<w:p><w:r><w:t>" + "A" * 1000 + "</w:t></w:r></w:p>"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        with zf.open("word/document.xml", "w") as fh:
            fh.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                     b'wordprocessingml/2006/main"><w:body>')
            for _ in range(400_000):
                fh.write(body.encode())
            fh.write(b"</w:body></w:document>")
    assert bomb.stat().st_size < 5_000_000
    manifest(root, "bomb", {"path": "./docs"}, {"default": {"public": True}})
    svc = replace(services, settings=settings.model_copy(update={"parse_memory_mb": 300, "parse_timeout_s": 60}))
    report = run(svc, root)
    assert report.failed == 1, report.failures
    assert report.failures[0]["reason"].split(":")[0] in {"parse_failed", "parse_timeout"}


def test_a_changed_document_that_fails_leaves_no_stale_chunks(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.pdf").write_bytes(pdf_bytes([["The original report says forty."]]))
    manifest(root, "chg", {"path": "./docs"}, {"default": {"public": True}})
    assert run(services, root).added == 1
    (root / "docs" / "a.pdf").write_bytes(b"%PDF-1.4 now corrupt")
    report = run(services, root)
    assert report.failed == 1
    assert services.index.count(document_id="chg/a.pdf") == 0
    assert services.store.catalogue.chunk_rows("chg/a.pdf") == []
