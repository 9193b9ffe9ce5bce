"""Content teams: corpora, approval, uploads, ingestion jobs (curator and admin)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, UploadFile, status
from fastapi import Path as PathParam

from api.auth import require
from api.deps import State, Who
from api.idempotency import replay_or_run
from api.pages import Cursor, Limit, next_cursor, str_cursor
from api.problems import PROBLEM_RESPONSES, ProblemError
from api.schemas import NAME_PATTERN, CorpusIn, CorpusOut, CorpusPage, DocumentOut, DocumentPage, JobOut, UploadOut
from ingest import removal
from ingest.corpora import register_corpus
from ingest.manifest import Approval, LoadedManifest, Manifest, Source, load_manifest, save_manifest
from ingest.sources import SUPPORTED
from kernel.types import Principal

router = APIRouter(prefix="/v1", tags=["corpora"], responses=PROBLEM_RESPONSES)
CONTENT = ("curator", "admin")


def _out(state: State, name: str) -> CorpusOut:
    row = state.services.store.catalogue.get_corpus(name)
    docs = len(state.services.store.catalogue.documents(name, ["indexed"]))
    return CorpusOut(name=row.name, description=row.description, owner=row.owner,
                     approval_status=row.approval_status, approved_by=row.approved_by,
                     approved_at=row.approved_at, documents=docs)


def _loaded(state: State, name: str) -> LoadedManifest:
    row = state.services.store.catalogue.find_corpus(name)
    if row is None or not row.manifest_path:
        raise ProblemError(404, "Not found", "no such corpus")
    return load_manifest(Path(row.manifest_path))


def admin_audit(state: State, who: Principal, action: str, target: dict[str, object], decision: str = "allowed",
                reason: str = "") -> None:
    state.services.store.records.add_admin_audit(who.user_id, who.role, action, target, "api", decision, reason)


def _require_owner(state: State, who: Principal, name: str, action: str) -> None:
    row = state.services.store.catalogue.find_corpus(name)
    if row is not None and who.role != "admin" and row.created_by != who.user_id:
        admin_audit(state, who, action, {"corpus": name}, "refused", "not the corpus owner")
        raise ProblemError(403, "Forbidden", "only the curator who registered this corpus, or an admin, may "
                           "change it")


CorpusName = Annotated[str, PathParam(pattern=NAME_PATTERN, description="the corpus's name")]
_LOCATION = {"Location": {"description": "where the new resource lives", "schema": {"type": "string"}}}


@router.put("/corpora/{name}", response_model=CorpusOut, summary="Create or replace a corpus (idempotent)",
            responses={201: {"model": CorpusOut, "description": "Created", "headers": _LOCATION}})
def put_corpus(name: CorpusName, body: CorpusIn, state: State, who: Who, request: Request, response: Response,
               idempotency_key: Annotated[str | None, Header()] = None) -> CorpusOut:
    require(who, *CONTENT)
    if body.name is not None and body.name != name:
        raise ProblemError(422, "Invalid request", "the body names another corpus than the path",
                           errors=[{"field": "name", "message": "must match the path"}])
    _require_owner(state, who, name, "corpus.put")

    def run() -> tuple[int, dict[str, object]]:
        store = state.services.store
        existing = store.catalogue.find_corpus(name)
        file = Path(existing.manifest_path) if existing and existing.manifest_path else (
            state.corpus_dir(name) / "corpus.yaml")
        (file.parent / "docs").mkdir(parents=True, exist_ok=True)
        before = load_manifest(file).manifest if file.is_file() else None
        source = Source(path="./docs", include=body.include, exclude=body.exclude)
        # Any change of who may read, or of what is read, needs a fresh approval by someone else.
        changed = before is None or (before.acl, before.source, before.links) != (body.acl, source, body.links)
        approval = before.approval if before is not None and not changed else Approval()
        m = Manifest(name=name, description=body.description, owner=body.owner, source=source, acl=body.acl,
                     approval=approval, links=body.links)
        register_corpus(save_manifest(m, file), store)
        store.catalogue.set_corpus_authors(
            name, existing.created_by if existing and existing.created_by else who.user_id,
            who.user_id if changed else None)
        admin_audit(state, who, "corpus.put", {"corpus": name, "acl_or_source_changed": changed})
        return 201 if existing is None else 200, _out(state, name).model_dump(mode="json")

    status, out = replay_or_run(state, who, request, idempotency_key, {"name": name, **body.model_dump(mode="json")},
                                run)
    response.status_code = status
    if status == 201:
        response.headers["Location"] = f"/v1/corpora/{name}"
    return CorpusOut.model_validate(out)


@router.get("/corpora", response_model=CorpusPage, summary="List corpora, by name")
def list_corpora(state: State, who: Who, cursor: Cursor = None, limit: Limit = 100) -> CorpusPage:
    require(who, *CONTENT)
    rows = state.services.store.catalogue.list_corpora(after=str_cursor(cursor), limit=limit + 1)
    return CorpusPage(items=[_out(state, c.name) for c in rows[:limit]],
                      next_cursor=next_cursor([c.name for c in rows], limit))


@router.get("/corpora/{name}", response_model=CorpusOut, summary="Show a corpus")
def get_corpus(name: str, state: State, who: Who) -> CorpusOut:
    require(who, *CONTENT)
    _loaded(state, name)
    return _out(state, name)


def _approve(state: State, who: Who, name: str) -> LoadedManifest:
    loaded = _loaded(state, name)
    approval = Approval(status="approved", by=who.user_id, at=datetime.now(UTC))
    saved = save_manifest(loaded.manifest.model_copy(update={"approval": approval}), loaded.path)
    register_corpus(saved, state.services.store)
    return saved


@router.post("/corpora/{name}/approve", response_model=CorpusOut, summary="Approve a corpus for ingestion")
def approve_corpus(name: str, state: State, who: Who) -> CorpusOut:
    require(who, *CONTENT)
    _loaded(state, name)
    row = state.services.store.catalogue.get_corpus(name)
    if row.changed_by == who.user_id:  # "" for manifests from a repository: never a user id
        admin_audit(state, who, "corpus.approve", {"corpus": name}, "refused", "four eyes: own change")
        raise ProblemError(403, "Forbidden", "you made the last change to this corpus's access or sources; "
                           "another curator or an admin must approve it")
    _approve(state, who, name)
    admin_audit(state, who, "corpus.approve", {"corpus": name})
    return _out(state, name)


@router.post("/corpora/{name}/revoke", response_model=CorpusOut, summary="Revoke: nothing of it stays searchable")
def revoke_corpus(name: str, state: State, who: Who) -> CorpusOut:
    require(who, *CONTENT)
    # Any curator may revoke: taking content out of search never widens access.
    _loaded(state, name)
    with state.ingest_lock:
        removal.revoke_corpus(name, who.user_id, state.services.store, state.services.index)
    admin_audit(state, who, "corpus.revoke", {"corpus": name})
    return _out(state, name)


_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.()-]{0,200}$")


def _target(state: State, name: str, rel: str) -> Path:
    loaded = _loaded(state, name)
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("..", ".") or not _SAFE.match(p) for p in parts):
        raise ProblemError(422, "Invalid request", "the file path may only hold plain names",
                           errors=[{"field": "path", "message": "invalid path"}])
    root = loaded.source_root()
    target = root.joinpath(*parts)
    # A link planted in the corpus folder must not turn an upload or delete into a write elsewhere.
    if not target.parent.resolve().is_relative_to(root) or target.is_symlink():
        raise ProblemError(422, "Invalid request", "the path leads outside the corpus folder",
                           errors=[{"field": "path", "message": "invalid path"}])
    return target


@router.post("/corpora/{name}/documents", status_code=201, response_model=UploadOut,
             summary="Upload a file (multipart, streamed to disk, size-limited)",
             responses={201: {"description": "Stored; ingest the corpus to index it", "headers": _LOCATION}})
def upload_document(name: str, file: UploadFile, state: State, who: Who, response: Response,
                    path: str | None = None) -> UploadOut:
    require(who, *CONTENT)
    _require_owner(state, who, name, "document.upload")
    rel = path or (file.filename or "")
    target = _target(state, name, rel)
    if target.suffix.lower() not in SUPPORTED:
        raise ProblemError(415, "Unsupported media type", f"{target.suffix or 'no extension'} is not a supported type")
    limit = state.settings.max_upload_bytes
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    written = 0
    with tmp.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                out.close()
                tmp.unlink(missing_ok=True)
                raise ProblemError(413, "Payload too large", f"files are limited to {limit} bytes")
            out.write(chunk)
    tmp.replace(target)
    admin_audit(state, who, "document.upload", {"corpus": name, "path": rel, "bytes": written})
    stored = target.relative_to(_loaded(state, name).source_root()).as_posix()
    response.headers["Location"] = f"/v1/corpora/{name}/documents/{stored}"
    return UploadOut(corpus=name, path=stored, bytes=written)


def _document_out(d: Any) -> DocumentOut:
    return DocumentOut(id=d.id, source_uri=d.source_uri, source_type=d.source_type, status=d.status,
                       error=d.error, chunk_count=d.chunk_count, version=d.version, updated_at=d.updated_at)


@router.get("/corpora/{name}/documents", response_model=DocumentPage, summary="Documents with status, by id")
def list_documents(name: str, state: State, who: Who, cursor: Cursor = None, limit: Limit = 100) -> DocumentPage:
    require(who, *CONTENT)
    _loaded(state, name)
    rows = state.services.store.catalogue.documents(name, after=str_cursor(cursor), limit=limit + 1)
    return DocumentPage(items=[_document_out(d) for d in rows[:limit]],
                        next_cursor=next_cursor([d.id for d in rows], limit))


@router.get("/corpora/{name}/documents/{path:path}", response_model=DocumentOut,
            summary="One document's status (an uploaded file not yet ingested is `uploaded`)")
def get_document(name: str, path: str, state: State, who: Who) -> DocumentOut:
    require(who, *CONTENT)
    target = _target(state, name, path)
    doc = state.services.store.catalogue.get_document(f"{name}/{path}")
    if doc is not None:
        return _document_out(doc)
    if not target.is_file():
        raise ProblemError(404, "Not found", "no such document")
    return DocumentOut(id=f"{name}/{path}", source_uri=path, source_type=SUPPORTED.get(target.suffix.lower(), ""),
                       status="uploaded", chunk_count=0, version=0)


@router.delete("/corpora/{name}/documents/{path:path}", status_code=204, summary="Delete a file and its chunks")
def delete_document(name: str, path: str, state: State, who: Who) -> Response:
    require(who, *CONTENT)
    _require_owner(state, who, name, "document.delete")
    target = _target(state, name, path)
    if not target.is_file():
        raise ProblemError(404, "Not found", "no such file")
    target.unlink()
    doc_id = f"{name}/{path}"
    with state.ingest_lock:
        removal.delete_document(doc_id, state.services.store, state.services.index)
    admin_audit(state, who, "document.delete", {"corpus": name, "path": path})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/corpora/{name}/ingest", status_code=202, response_model=JobOut,
             summary="(Re-)ingest a corpus as a job",
             responses={202: {"description": "Accepted; follow Location for progress", "headers": _LOCATION}})
def start_ingest(name: str, state: State, who: Who, request: Request, response: Response,
                 idempotency_key: Annotated[str | None, Header()] = None) -> JobOut:
    require(who, *CONTENT)
    loaded = _loaded(state, name)

    def run() -> tuple[int, dict[str, object]]:
        job_id = state.submit_ingest(loaded.path)
        return 202, _job(state, job_id).model_dump(mode="json")

    job = JobOut.model_validate(replay_or_run(state, who, request, idempotency_key, {"corpus": name}, run)[1])
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job


def _job(state: State, job_id: str) -> JobOut:
    j = state.services.store.catalogue.get_job(job_id)
    return JobOut(id=j.id, corpus=j.corpus, status=j.status, total=j.total, done=j.done, summary=j.summary,
                  error=j.error)


@router.get("/jobs/{job_id}", response_model=JobOut, summary="Ingestion job progress and failures")
def get_job(job_id: str, state: State, who: Who) -> JobOut:
    require(who, *CONTENT)
    return _job(state, job_id)


