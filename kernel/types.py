"""Domain types shared by every stage: access control, principals, documents, chunks and hits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, model_validator

Role = Literal["admin", "curator", "support", "user"]
PUBLIC_TOKEN = "public"  # noqa: S105 - an ACL token, not a secret


def acl_name_ok(name: str) -> bool:
    """A group or user name: non-empty, storable (no lone surrogates), printable, and without ':'."""
    if not name or len(name) > 320 or ":" in name or not name.isprintable():
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Acl(BaseModel):
    """Who may read a chunk. Empty is invalid: there is no implicit public access."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    groups: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    public: bool = False

    @model_validator(mode="after")
    def _not_empty(self) -> Acl:
        if not (self.groups or self.users or self.public):
            raise ValueError("an ACL must name groups, users, or public: true")
        for name in (*self.groups, *self.users):
            if not acl_name_ok(name):
                raise ValueError(f"invalid ACL name {name!r} (empty, too long, contains ':' or a control "
                                 "character, or is not valid Unicode)")
        return self

    def tokens(self) -> list[str]:
        """The flat keyword form stored in every chunk's payload and matched by the one ACL filter."""
        out = [PUBLIC_TOKEN] if self.public else []
        out += [f"group:{g}" for g in sorted(set(self.groups))]
        out += [f"user:{u}" for u in sorted(set(self.users))]
        return out


@dataclass(frozen=True)
class Principal:
    """Whoever a request runs as. `tokens()` is what that principal may match in a chunk's ACL."""

    user_id: str
    groups: tuple[str, ...] = ()
    role: Role = "user"

    def tokens(self) -> list[str]:
        return [PUBLIC_TOKEN, f"user:{self.user_id}", *(f"group:{g}" for g in sorted(set(self.groups)))]

    def may_read(self, acl_tokens: list[str]) -> bool:
        return bool(set(self.tokens()) & set(acl_tokens))

    @classmethod
    def stored(cls, user_id: str, groups: Sequence[str], role: str) -> Principal:
        """A principal from a stored row (an API key, a console session): the role is checked, not trusted."""
        for known in get_args(Role):
            if role == known:
                return cls(user_id, tuple(groups), known)
        raise ValueError(f"unknown role {role!r}")


@dataclass(frozen=True)
class Element:
    """A parsed structural element, located in the document text by character offsets."""

    kind: str
    start: int
    end: int
    heading_path: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class ParsedDocument:
    text: str
    title: str
    elements: tuple[Element, ...]


@dataclass(frozen=True)
class Chunk:
    """One indexed span of a document: `text == document_text[start:end]`, always."""

    chunk_id: str
    document_id: str
    corpus: str
    ordinal: int
    text: str
    start: int
    end: int
    heading_path: tuple[str, ...]
    page: int | None
    kinds: tuple[str, ...]
    content_hash: str
    source: str
    title: str
    source_type: str
    acl: tuple[str, ...]
    version: int

    def payload(self) -> dict[str, object]:
        return {
            "chunk_id": self.chunk_id,
            "document_id": self.document_id,
            "corpus": self.corpus,
            "ordinal": self.ordinal,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "heading_path": list(self.heading_path),
            "page": self.page,
            "kinds": list(self.kinds),
            "content_hash": self.content_hash,
            "source": self.source,
            "title": self.title,
            "source_type": self.source_type,
            "acl": list(self.acl),
            "version": self.version,
        }

    @classmethod
    def from_payload(cls, p: dict[str, object]) -> Chunk:
        page = p.get("page")
        return cls(
            chunk_id=str(p["chunk_id"]),
            document_id=str(p["document_id"]),
            corpus=str(p["corpus"]),
            ordinal=int(str(p["ordinal"])),
            text=str(p["text"]),
            start=int(str(p["start"])),
            end=int(str(p["end"])),
            heading_path=tuple(str(h) for h in _as_list(p.get("heading_path"))),
            page=int(str(page)) if page is not None else None,
            kinds=tuple(str(k) for k in _as_list(p.get("kinds"))),
            content_hash=str(p["content_hash"]),
            source=str(p["source"]),
            title=str(p.get("title", "")),
            source_type=str(p.get("source_type", "")),
            acl=tuple(str(a) for a in _as_list(p.get("acl"))),
            version=int(str(p.get("version", 1))),
        )


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


@dataclass(frozen=True)
class Hit:
    """A chunk found by one index leg, with that leg's score."""

    chunk: Chunk
    score: float


@dataclass
class ScoredChunk:
    """A retrieval result with its score breakdown per stage."""

    chunk: Chunk
    score: float
    scores: dict[str, float | int | None] = field(default_factory=dict)
