"""Enumerate a corpus's source items (files of a folder, or JSONL records) with their ACL and hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.manifest import LoadedManifest
from kernel.types import Acl

SUPPORTED = {
    ".md": "md", ".markdown": "md", ".txt": "text", ".text": "text", ".html": "html", ".htm": "html",
    ".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".eml": "eml",
}


@dataclass(frozen=True)
class SourceItem:
    """One document to ingest. `fingerprint` changes whenever the indexed result would change."""

    document_id: str
    corpus: str
    source_uri: str
    rel_path: str
    source_type: str
    acl: tuple[str, ...]
    fingerprint: str
    size: int
    path: str | None = None
    record: dict[str, Any] | None = None
    problem: str | None = field(default=None, compare=False)

    def to_message(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_message(cls, msg: dict[str, Any]) -> SourceItem:
        return cls(**{**msg, "acl": tuple(msg["acl"])})


def iter_items(loaded: LoadedManifest, salt: str) -> Iterator[SourceItem]:
    """Yield every selected item. `salt` names what else shapes the index (model, chunking)."""
    if loaded.manifest.source.records is not None:
        yield from _records(loaded, salt)
    else:
        yield from _files(loaded, salt)


def _fingerprint(content: bytes, acl: list[str], salt: str) -> str:
    h = hashlib.sha256(content)
    h.update(json.dumps([acl, salt]).encode())
    return h.hexdigest()


def _files(loaded: LoadedManifest, salt: str) -> Iterator[SourceItem]:
    root = loaded.source_root()
    manifest_file = loaded.path
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path == manifest_file:
            continue
        rel = path.relative_to(root).as_posix()
        if not loaded.selects(rel):
            continue
        kind = SUPPORTED.get(path.suffix.lower())
        acl = loaded.acl_for(rel).tokens()
        size = path.stat().st_size
        problem = None if kind else f"unsupported file type {path.suffix or '(none)'!r}"
        data = path.read_bytes() if kind else b""
        yield SourceItem(
            document_id=f"{loaded.name}/{rel}",
            corpus=loaded.name,
            source_uri=path.as_uri(),
            rel_path=rel,
            source_type=kind or "unsupported",
            acl=tuple(acl),
            fingerprint=_fingerprint(data, acl, salt),
            size=size,
            path=str(path),
            problem=problem,
        )


def _records(loaded: LoadedManifest, salt: str) -> Iterator[SourceItem]:
    file = loaded.records_file()
    with file.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            yield _record_item(loaded, file, lineno, line, salt)


def _record_item(loaded: LoadedManifest, file: Path, lineno: int, line: str, salt: str) -> SourceItem:
    where = f"{file.name}:{lineno}"

    def bad(reason: str, doc_id: str | None = None) -> SourceItem:
        return SourceItem(
            document_id=doc_id or f"{loaded.name}/{where}", corpus=loaded.name,
            source_uri=f"{file.as_uri()}#L{lineno}", rel_path=where, source_type="record", acl=(),
            fingerprint="", size=len(line), problem=reason,
        )

    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return bad(f"line {lineno} is not JSON: {exc.msg}")
    if not isinstance(rec, dict):
        return bad(f"line {lineno} is not a JSON object")
    doc_id = rec.get("_id", rec.get("id"))
    if not isinstance(doc_id, str | int) or str(doc_id) == "":
        return bad(f"line {lineno} has no '_id' or 'id'")
    doc_id = str(doc_id)
    text = rec.get("text")
    if not isinstance(text, str):
        return bad(f"record {doc_id} has no string 'text'", doc_id)
    meta = rec.get("metadata") if isinstance(rec.get("metadata"), dict) else {}
    rel = str(meta.get("path", doc_id)) if meta else doc_id
    own: Acl | None = None
    if rec.get("acl") is not None:
        try:
            own = Acl.model_validate(rec["acl"])
        except ValidationError as exc:
            return bad(f"record {doc_id} has an invalid acl: {exc.errors()[0]['msg']}", doc_id)
    acl = loaded.acl_for(rel, own).tokens()
    record = {"title": str(rec.get("title") or ""), "text": text, "url": rec.get("url")}
    content = json.dumps(record, sort_keys=True).encode()
    url = rec.get("url")
    return SourceItem(
        document_id=doc_id,
        corpus=loaded.name,
        source_uri=str(url) if url else f"{file.as_uri()}#{doc_id}",
        rel_path=rel,
        source_type="record",
        acl=tuple(acl),
        fingerprint=_fingerprint(content, acl, salt),
        size=len(content),
        record=record,
    )
