"""Enumerate a corpus's source items (files of a folder, or JSONL records) with their ACL and hash."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.manifest import LoadedManifest
from kernel.types import Acl

SUPPORTED = {
    ".md": "md", ".markdown": "md", ".txt": "text", ".text": "text", ".html": "html", ".htm": "html",
    ".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".eml": "eml", ".rst": "rst", ".ipynb": "ipynb",
    ".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx",
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
    content: bytes | None = field(default=None, compare=False, repr=False)

    def to_message(self) -> dict[str, Any]:
        """The item as a task message for a worker that may run on another machine: the file's bytes
        travel with it (base64), never its local path."""
        msg = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("path", "content")}
        if self.path is not None or self.content is not None:
            raw = self.content if self.content is not None else Path(str(self.path)).read_bytes()
            msg["content_b64"] = base64.b64encode(raw).decode("ascii")
        return msg

    @classmethod
    def from_message(cls, msg: dict[str, Any]) -> SourceItem:
        fields = {k: v for k, v in msg.items() if k != "content_b64"}
        content = base64.b64decode(msg["content_b64"]) if "content_b64" in msg else None
        return cls(**{**fields, "acl": tuple(msg["acl"]), "content": content})


def iter_items(loaded: LoadedManifest, salt: str, max_bytes: int) -> Iterator[SourceItem]:
    """Yield every selected item. `salt` names what else shapes the index (model, chunking); a file over
    `max_bytes` is never read."""
    if loaded.manifest.source.records is not None:
        yield from _records(loaded, salt)
    else:
        yield from _files(loaded, salt, max_bytes)


def _fingerprint(content: bytes, acl: list[str], salt: str) -> str:
    return _sealed(hashlib.sha256(content), acl, salt)


def _file_fingerprint(path: Path, acl: list[str], salt: str) -> str:
    """Streamed: a file is never held whole in memory to be hashed."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return _sealed(h, acl, salt)


def _sealed(h: Any, acl: list[str], salt: str) -> str:
    """The content hash, finished with what else shapes the indexed result (ACL, model, chunking)."""
    h.update(json.dumps([acl, salt]).encode())
    return str(h.hexdigest())


def walk_files(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Every file under `root` with the reason it cannot be used, or None. Links are never followed out
    of the corpus folder; a link to a folder is not followed at all (it would duplicate or escape)."""
    problems: list[tuple[Path, str]] = []

    def unreadable(exc: OSError) -> None:
        problems.append((Path(exc.filename or root), f"folder cannot be read: {exc.strerror}"))

    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=False):
        base = Path(folder)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                yield base / name, "a symbolic link to a folder; not followed"
        dirs.sort()
        for name in sorted(files):
            path = base / name
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    yield path, "a symbolic link to a file outside the corpus folder; not followed"
                    continue
                if not target.is_file():
                    yield path, "a broken symbolic link"
                    continue
            yield path, None
    yield from problems


def selected_paths(loaded: LoadedManifest) -> list[str]:
    """The corpus-relative paths a manifest selects (for validation: nothing is read or hashed)."""
    if loaded.manifest.source.records is not None:
        return [i.rel_path for i in _records(loaded, "") if i.problem is None]
    root = loaded.source_root()
    rels = (p.relative_to(root).as_posix() for p, problem in walk_files(root) if problem is None)
    return [r for r in rels if safe_name(r) == r and loaded.selects(r)]


def safe_name(rel: str) -> str:
    """A name that can be stored and shown even when the file system's bytes are not UTF-8."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _files(loaded: LoadedManifest, salt: str, max_bytes: int) -> Iterator[SourceItem]:
    root = loaded.source_root()
    for path, problem in walk_files(root):
        if path == loaded.path:
            continue
        rel = path.relative_to(root).as_posix()
        shown = safe_name(rel)
        if shown != rel:
            problem = problem or "the file name is not valid UTF-8; rename the file"
        elif not loaded.selects(rel):
            continue
        yield _file_item(loaded, path, shown, problem, salt, max_bytes)


def _file_item(loaded: LoadedManifest, path: Path, rel: str, problem: str | None, salt: str,
               max_bytes: int) -> SourceItem:
    kind = SUPPORTED.get(path.suffix.lower())
    acl = loaded.acl_for(rel).tokens()
    size = 0
    fingerprint = _fingerprint(b"", acl, salt)
    if problem is None and kind is None:
        problem = f"unsupported file type {path.suffix or '(none)'!r}"
    if problem is None:
        try:
            stat = path.stat()
            size = stat.st_size
            # Over the limit: fingerprint by size and time only; the file is refused before any read.
            fingerprint = (_fingerprint(f"{size}:{stat.st_mtime_ns}".encode(), acl, salt)
                           if size > max_bytes else _file_fingerprint(path, acl, salt))
        except OSError as exc:
            problem = f"the file cannot be read: {exc.strerror or exc}"
    return SourceItem(
        document_id=f"{loaded.name}/{rel}", corpus=loaded.name, source_uri=rel, rel_path=rel,
        source_type=kind if kind and problem is None else ("unsupported" if kind is None else kind),
        acl=tuple(acl), fingerprint=fingerprint, size=size, path=str(path), problem=problem,
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
            source_uri=f"{file.name}#L{lineno}", rel_path=where, source_type="record", acl=(),
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
        source_uri=str(url) if url else f"{file.name}#{doc_id}",
        rel_path=rel,
        source_type="record",
        acl=tuple(acl),
        fingerprint=_fingerprint(content, acl, salt),
        size=len(content),
        record=record,
    )
