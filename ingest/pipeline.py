"""The ingestion pipeline as plain functions: plan -> process (parse, chunk, embed) -> commit.

`cairn ingest` runs these in-process; Celery tasks (ingest/tasks.py) wrap `process_items` for one
document and the coordinator commits what they return, so there is one code path either way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.protocol import IndexPoint, VectorIndex
from index.sparse import Bm25Encoder
from ingest.chunk import CHUNK_VERSION, Span, chunk_document, chunk_id, content_hash, page_starts
from ingest.corpora import register_corpus, remove_corpus
from ingest.manifest import LoadedManifest, unmatched_patterns
from ingest.parse import PARSE_VERSION, parse_item, preload_parsers
from ingest.recovery import recover, require_free_space, runner_id
from ingest.sources import SourceItem, iter_items
from kernel.errors import DocumentError, ManifestError
from kernel.flags import Flags
from kernel.settings import Settings
from kernel.store import Store
from kernel.store.catalogue import ChunkRow, IndexedDocument
from kernel.telemetry import tracer
from kernel.types import Chunk
from models.embed import Embedder


@dataclass
class Timings:
    parse: float = 0.0
    chunk: float = 0.0
    embed: float = 0.0
    write: float = 0.0

    def add(self, other: Timings) -> None:
        self.parse += other.parse
        self.chunk += other.chunk
        self.embed += other.embed
        self.write += other.write


@dataclass
class Prepared:
    """A processed document, ready to commit; or the reason it failed."""

    item: SourceItem
    title: str = ""
    text: str = ""
    spans: list[Span] = field(default_factory=list)
    vectors: list[list[float]] = field(default_factory=list)
    new_vectors: dict[str, list[float]] = field(default_factory=dict)
    error: str | None = None
    timings: Timings = field(default_factory=Timings)
    pages: list[list[int]] = field(default_factory=list)

    def to_message(self) -> dict[str, Any]:
        """The worker's reply; the item itself stays with the coordinator, which sent it."""
        return {
            "title": self.title, "text": self.text, "pages": self.pages,
            "spans": [s.__dict__ for s in self.spans], "vectors": self.vectors,
            "new_vectors": self.new_vectors, "error": self.error, "timings": self.timings.__dict__,
        }

    @classmethod
    def from_message(cls, m: dict[str, Any], item: SourceItem) -> Prepared:
        spans = [Span(**{**s, "heading_path": tuple(s["heading_path"]), "kinds": tuple(s["kinds"])})
                 for s in m["spans"]]
        return cls(
            item=item, title=m["title"], text=m["text"], spans=spans,
            vectors=m["vectors"], new_vectors=m["new_vectors"], error=m["error"],
            timings=Timings(**m["timings"]), pages=m.get("pages", []),
        )


@dataclass
class Plan:
    corpus: str
    todo: list[SourceItem]
    added: set[str]
    unchanged: list[str]
    deleted: list[str]
    failed: list[tuple[str, str]]
    known: set[str]
    skipped: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    corpus: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0
    skipped: int = 0
    chunks_written: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    failures: list[dict[str, str]] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    job_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "job_id": self.job_id,
            "documents": {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                          "deleted": self.deleted, "failed": self.failed,
                          "skipped": self.skipped},
            "chunks_written": self.chunks_written,
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.__dict__.items()},
            "failures": self.failures,
        }


def index_salt(settings: Settings, embedder: Embedder, bm25: Bm25Encoder) -> str:
    """Everything besides content and ACL that shapes a document's chunks and vectors."""
    return (f"{embedder.name}|{bm25.name}|{settings.chunk_tokens}|{settings.chunk_overlap_tokens}|v{PARSE_VERSION}"
            f"|c{CHUNK_VERSION}")


def plan(loaded: LoadedManifest, store: Store, salt: str, settings: Settings, retry_failed: bool) -> Plan:
    corpus = loaded.name
    existing = {d.id: d for d in store.catalogue.documents(corpus)}
    todo: list[SourceItem] = []
    added: set[str] = set()
    unchanged: list[str] = []
    failed: list[tuple[str, str]] = []
    seen: set[str] = set()
    skipped: list[str] = []
    max_attempts = settings.max_attempts
    items = list(iter_items(loaded, salt, settings.max_file_bytes))
    for item in items:
        if item.document_id in seen:
            failed.append((item.source_uri, f"duplicate document id {item.document_id!r} in this corpus"))
            continue
        seen.add(item.document_id)
        row = existing.get(item.document_id)
        if row is None:
            other = store.catalogue.get_document(item.document_id)
            if other is not None and other.corpus != corpus:
                failed.append((item.source_uri, f"document id {item.document_id!r} belongs to corpus "
                                                f"{other.corpus!r}"))
                continue
        same = row is not None and row.content_hash == item.fingerprint
        if same and row is not None and row.status == "failed" and item.source_type == "unsupported":
            skipped.append(item.document_id)  # reported when first seen, not on every run
        elif same and row is not None and row.status == "indexed":
            unchanged.append(item.document_id)
        elif same and row is not None and row.status == "failed" and row.attempts >= max_attempts and (
                not retry_failed):
            failed.append((item.source_uri, row.error or "failed earlier"))
        else:
            todo.append(item)
            if row is None or row.status in ("deleted", "revoked"):
                added.add(item.document_id)
    errors, _ = unmatched_patterns(loaded, [i.rel_path for i in items])
    if errors:
        raise ManifestError(str(loaded.path), errors)
    deleted = [d.id for d in existing.values() if d.id not in seen and d.status not in ("deleted",)]
    return Plan(corpus, todo, added, unchanged, deleted, failed, set(existing), skipped)


def process_items(
    items: Sequence[SourceItem], settings: Settings, embedder: Embedder, store: Store
) -> list[Prepared]:
    """Parse and chunk each item (failures stay with their item), then embed all new chunks at once."""
    out: list[Prepared] = []
    for item in items:
        prep = Prepared(item=item)
        t0 = time.perf_counter()
        try:
            with tracer().start_as_current_span("ingest.parse", attributes={"cairn.document": item.document_id}):
                doc = parse_item(item, settings.max_file_bytes, settings.parse_timeout_s, settings.parse_memory_mb)
            t1 = time.perf_counter()
            with tracer().start_as_current_span("ingest.chunk", attributes={"cairn.document": item.document_id}):
                prep.spans = chunk_document(doc, embedder.token_spans, embedder.max_tokens,
                                            settings.chunk_tokens, settings.chunk_overlap_tokens)
            prep.title, prep.text = doc.title, doc.text
            prep.pages = page_starts(doc.elements)
            prep.timings.parse = t1 - t0
            prep.timings.chunk = time.perf_counter() - t1
            if not prep.spans:
                raise DocumentError("the document has no text to index")
        except DocumentError as exc:
            prep.error = f"{exc.code}: {exc}"
            prep.spans = []
        out.append(prep)
    _embed(out, embedder, store)
    return out


def _embed(prepared: list[Prepared], embedder: Embedder, store: Store) -> None:
    t0 = time.perf_counter()
    hashes = [content_hash(s.embed_text) for p in prepared for s in p.spans]
    cached = store.catalogue.cached_embeddings(embedder.name, hashes)
    missing: dict[str, str] = {}
    for p in prepared:
        for s in p.spans:
            h = content_hash(s.embed_text)
            if h not in cached:
                missing.setdefault(h, s.embed_text)
    fresh: dict[str, np.ndarray] = {}
    if missing:
        with tracer().start_as_current_span("ingest.embed", attributes={"cairn.chunks": len(missing)}):
            vecs = embedder.embed_documents(list(missing.values()))
        fresh = dict(zip(missing, vecs, strict=True))
    share = (time.perf_counter() - t0) / max(len(prepared), 1)
    for p in prepared:
        for s in p.spans:
            h = content_hash(s.embed_text)
            vec = cached.get(h)
            if vec is None:
                vec = fresh[h]
                p.new_vectors[h] = vec.tolist()
            p.vectors.append(vec.tolist())
        p.timings.embed = share


def commit(prepared: Sequence[Prepared], plan_: Plan, store: Store, index: VectorIndex,
           bm25: Bm25Encoder, model: str, report: IngestReport) -> None:
    """Write a batch: every document's new chunks become visible in one index operation."""
    t0 = time.perf_counter()
    ok = [p for p in prepared if p.error is None]
    points: list[IndexPoint] = []
    tombstones: list[str] = []
    now = time.time()
    rows: dict[str, list[ChunkRow]] = {}
    versions: dict[str, int] = {}
    for p in ok:
        item = p.item
        row = store.catalogue.get_document(item.document_id)
        version = versions[item.document_id] = (row.version if row else 0) + 1
        doc_points = [_point(p, i, s, v, version, now, bm25) for i, (s, v) in enumerate(
            zip(p.spans, p.vectors, strict=True))]
        new_ids = {pt.id for pt in doc_points}
        if item.document_id in plan_.known:
            stale = [i for i in index.point_ids(document_id=item.document_id) if i not in new_ids]
            # Stale ids are overwritten by tombstones (no ACL, so no search can see them) in the same
            # operation that writes the new chunks: readers see the old version or the new, never both.
            points += [_tombstone(i, item, doc_points[0].dense) for i in stale]
            tombstones += stale
        points += doc_points
        rows[item.document_id] = [
            ChunkRow(chunk_id=pt.id, document_id=item.document_id, ordinal=i, start=s.start, end=s.end,
                     content_hash=content_hash(s.embed_text), heading_path=list(s.heading_path), page=s.page)
            for i, (pt, s) in enumerate(zip(doc_points, p.spans, strict=True))
        ]
    store.catalogue.add_intents([p.item.document_id for p in ok], runner_id())
    index.upsert(points)
    index.delete_ids(tombstones)
    index.flush()
    for p in ok:
        item = p.item
        store.catalogue.record_indexed(item.document_id, rows[item.document_id], IndexedDocument(
            corpus=item.corpus, source_uri=item.source_uri, source_type=item.source_type, title=p.title,
            content_hash=item.fingerprint, version=versions[item.document_id], acl=item.acl, text=p.text,
            pages=p.pages))
        store.catalogue.cache_embeddings(model, {h: np.asarray(v, dtype=np.float32) for h, v in p.new_vectors.items()})
        report.chunks_written += len(p.spans)
        report.chunks_embedded += len(p.new_vectors)
        if item.document_id in plan_.added:
            report.added += 1
        else:
            report.updated += 1
    store.catalogue.clear_intents([p.item.document_id for p in ok])
    for p in prepared:
        report.timings.add(p.timings)
        if p.error is not None:
            if p.item.document_id in plan_.known:
                # The source changed and its new version cannot be indexed: the old chunks are stale.
                index.delete_where(document_id=p.item.document_id)
                store.catalogue.mark_documents([p.item.document_id], "failed", p.error)
            fail(p.item, p.error, store, report)
    report.timings.write += time.perf_counter() - t0


def fail(item: SourceItem, reason: str, store: Store, report: IngestReport) -> None:
    if store.catalogue.get_document(item.document_id) is not None:
        store.catalogue.record_failure(item.document_id, reason, item.fingerprint)
    report.failed += 1
    report.failures.append({"source": item.source_uri, "reason": reason})


def _point(p: Prepared, ordinal: int, span: Span, vector: list[float], version: int, now: float,
           bm25: Bm25Encoder) -> IndexPoint:
    item = p.item
    cid = chunk_id(item.document_id, ordinal)
    chunk = Chunk(
        chunk_id=cid, document_id=item.document_id, corpus=item.corpus, ordinal=ordinal,
        text=p.text[span.start : span.end], start=span.start, end=span.end, heading_path=span.heading_path,
        page=span.page, kinds=span.kinds, content_hash=content_hash(span.embed_text),
        source=item.source_uri, title=p.title, source_type=item.source_type, acl=item.acl, version=version,
    )
    sparse = bm25.document(span.embed_text)
    payload = chunk.payload() | {"indexed_at": now}
    return IndexPoint(cid, vector, sparse.indices, sparse.values, payload)


def _tombstone(point_id: str, item: SourceItem, dense: list[float]) -> IndexPoint:
    payload: dict[str, object] = {"document_id": item.document_id, "corpus": item.corpus, "acl": [],
                                  "tombstone": True}
    return IndexPoint(point_id, dense, [], [], payload)


ProcessFn = Callable[[list[SourceItem]], Iterable[list[Prepared]]]
Progress = Callable[[int, int], None]


def ingest(
    loaded: LoadedManifest, settings: Settings, store: Store, index: VectorIndex, embedder: Embedder,
    bm25: Bm25Encoder, *, process: ProcessFn | None = None, progress: Progress | None = None,
    retry_failed: bool = False, job_id: str | None = None, flags: Flags | None = None,
) -> IngestReport:
    """Ingest one corpus. `process` turns items into prepared batches (in-process by default). With `flags`,
    the run refuses to start, and stops between batches, while `writes` or the corpus is switched off."""
    with tracer().start_as_current_span("ingest.job", attributes={"cairn.corpus": loaded.name}):
        return _ingest(loaded, settings, store, index, embedder, bm25, process, progress, retry_failed, job_id,
                       flags)


def _ingest(
    loaded: LoadedManifest, settings: Settings, store: Store, index: VectorIndex, embedder: Embedder,
    bm25: Bm25Encoder, process: ProcessFn | None, progress: Progress | None, retry_failed: bool,
    job_id: str | None, flags: Flags | None,
) -> IngestReport:
    switches = ("writes", f"corpus:{loaded.name}")
    if flags is not None:
        flags.require_on(*switches)
    t_start = time.perf_counter()
    recover(store, index)
    require_free_space(settings.data_dir, settings.min_free_mb << 20)
    register_corpus(loaded, store)
    if loaded.manifest.approval.status == "revoked":
        remove_corpus(loaded.name, store, index)
    loaded.require_approved()
    report = IngestReport(corpus=loaded.name, job_id=job_id or uuid.uuid4().hex)
    the_plan = plan(loaded, store, index_salt(settings, embedder, bm25), settings, retry_failed)
    store.catalogue.create_job(report.job_id, loaded.name, total=len(the_plan.todo), status="running")
    store.catalogue.update_job(report.job_id, runner=runner_id())
    for item in the_plan.todo:
        store.catalogue.queue_document(item.document_id, item.corpus, item.source_uri, item.source_type, item.acl)
    for source, reason in the_plan.failed:
        report.failed += 1
        report.failures.append({"source": source, "reason": reason})
    report.unchanged = len(the_plan.unchanged)
    report.skipped = len(the_plan.skipped)
    for doc_id in the_plan.deleted:
        index.delete_where(document_id=doc_id)
    index.flush()
    store.catalogue.mark_documents(the_plan.deleted, "deleted")
    report.deleted = len(the_plan.deleted)

    if process is None and any(item.path for item in the_plan.todo):
        preload_parsers()
    run = process or _in_process(settings, embedder, store)
    done = 0
    if progress:
        progress(0, len(the_plan.todo))
    try:
        for batch in run(the_plan.todo):
            require_free_space(settings.data_dir, settings.min_free_mb << 20)
            if flags is not None:
                flags.require_on(*switches)
            with tracer().start_as_current_span("ingest.write", attributes={"cairn.documents": len(batch)}):
                commit(batch, the_plan, store, index, bm25, embedder.name, report)
            done += len(batch)
            store.catalogue.update_job(report.job_id, done=done)
            if progress:
                progress(done, len(the_plan.todo))
    except BaseException as exc:
        store.catalogue.update_job(report.job_id, status="failed", error=str(exc), summary=report.to_json())
        raise
    report.seconds = time.perf_counter() - t_start
    from kernel.store.base import utcnow

    store.catalogue.update_job(report.job_id, status="done", done=done, summary=report.to_json(), finished_at=utcnow())
    return report


def _in_process(settings: Settings, embedder: Embedder, store: Store, batch: int = 16) -> ProcessFn:
    def run(items: list[SourceItem]) -> Iterable[list[Prepared]]:
        for i in range(0, len(items), batch):
            yield process_items(items[i : i + batch], settings, embedder, store)

    return run


