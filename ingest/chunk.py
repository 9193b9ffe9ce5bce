"""Structure-aware chunking: sections first, then windows of the embedding model's own tokens.

Every chunk is a contiguous span of the document text, so `text == document_text[start:end]` and a
citation can point at exact offsets. The text that gets embedded adds the heading path in front when
the chunk does not start with it, and stays within the model's maximum sequence length.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from kernel.types import Element, ParsedDocument

CHUNK_NAMESPACE = uuid.UUID("6f1c3f5e-8f0b-4e55-9a52-3b8f6a9e1c27")
# How the chunker cuts: part of every document's fingerprint, so that a release that cuts differently (2: headings
# open the first window of an element that does not fit beside them; 3: so does a short line announcing it;
# 4: a chunk's headings are those of its text, not of a heading carried into it) chunks the documents already
# ingested again.
CHUNK_VERSION = 4
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]
_MAX_HEADING_TOKENS = 48

TokenSpans = Callable[[str], list[tuple[int, int]]]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    heading_path: tuple[str, ...]
    page: int | None
    kinds: tuple[str, ...]
    embed_text: str


def chunk_id(document_id: str, ordinal: int) -> str:
    """Deterministic, so a retried write overwrites instead of duplicating."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{document_id}#{ordinal}"))


def content_hash(embed_text: str) -> str:
    return hashlib.sha256(embed_text.encode("utf-8")).hexdigest()


def chunk_document(
    doc: ParsedDocument, token_spans: TokenSpans, model_max_tokens: int, chunk_tokens: int, overlap: int
) -> list[Span]:
    limit = min(chunk_tokens, model_max_tokens - _SPECIAL_TOKENS)
    spans: list[Span] = []
    for section in _sections(_glued(doc.text, doc.elements)):
        heading = " > ".join(_content_path(section))
        heading_tokens = min(len(token_spans(heading)), _MAX_HEADING_TOKENS) if heading else 0
        budget = max(limit - heading_tokens, 16)
        spans += _pack(doc.text, section, token_spans, budget, overlap, heading)
    return spans


# A section that is only headings, or shorter than this (a figure label, a page number), is no chunk of its
# own: alone it would take a top search slot and answer nothing, so it joins the section that follows (or,
# at the end, the one before).
MIN_SECTION_CHARS = 40


def _glued(text: str, elements: tuple[Element, ...]) -> tuple[Element, ...]:
    """Elements with each paragraph that the parser glued back together (a PDF page or column break cut it: one
    space between its parts, ingest/parse.py `continues`) as one element, so no chunk ends in its middle. The
    document keeps the parts, and each part its page, for citations."""
    out: list[Element] = []
    for el in elements:
        prev = out[-1] if out else None
        if prev is not None and el.start - prev.end == 1 and text[prev.end] == " " \
                and el.heading_path == prev.heading_path:
            out[-1] = replace(prev, end=el.end)
        else:
            out.append(el)
    return tuple(out)


def _sections(elements: tuple[Element, ...]) -> list[list[Element]]:
    sections: list[list[Element]] = []
    for el in elements:
        if not sections or el.kind == "Title" or el.heading_path != sections[-1][-1].heading_path:
            sections.append([el])
        else:
            sections[-1].append(el)
    merged: list[list[Element]] = []
    carry: list[Element] = []
    for sec in sections:
        sec = carry + sec
        if all(e.kind == "Title" for e in sec) or sum(e.end - e.start for e in sec) < MIN_SECTION_CHARS:
            carry = sec
            continue
        merged.append(sec)
        carry = []
    if carry:
        if merged:
            merged[-1] += carry
        else:
            merged.append(carry)
    return merged


def _pack(
    text: str, section: list[Element], token_spans: TokenSpans, budget: int, overlap: int, heading: str
) -> list[Span]:
    out: list[Span] = []
    group: list[Element] = []
    sizes: list[int] = []

    def flush(upto: int) -> None:
        if upto:
            out.append(_span(text, group[0].start, group[upto - 1].end, group[:upto], heading))

    for el in section:
        spans = token_spans(text[el.start : el.end])
        n = len(spans)
        if n > budget or sum(sizes) + n > budget:
            # What leads into the element (headings waiting in the group, a line announcing it) goes with it
            # into the next chunk: flushed on its own it would be a chunk that is only a heading or
            # "Example: piped streams:", and the element would lose what it is about.
            # An element that fits alone but not beside its lead is windowed only when the lead is all the group
            # holds; after other text, the lead stays at that text's end rather than cut the element in two.
            k = _lead_start(text, group, sizes, budget)
            lead, lead_tokens = group[k:], sum(sizes[k:])
            if lead and lead_tokens + n <= budget:
                flush(k)
                group, sizes = [*lead, el], [*sizes[k:], n]
                continue
            if n > budget or (lead and k == 0):
                flush(k)
                out += _windows(text, el, spans, budget, overlap, heading, lead, lead_tokens)
                group, sizes = [], []
                continue
            flush(len(group))
            group, sizes = [], []
        group.append(el)
        sizes.append(n)
    flush(len(group))
    return out


# A line announcing what follows ("To install it:", "Example: Using Cipher and piped streams:") leads the
# element after it into a new chunk only when it is short: a long paragraph that happens to end in a colon
# stands on its own.
_MAX_INTRO_SHARE = 4


def _lead_start(text: str, group: list[Element], sizes: list[int], budget: int) -> int:
    """Where the group's lead begins: the headings it is made of, or a short last element that ends with a
    colon (with the headings over it when there is nothing else); len(group) when it has none."""
    if group and all(g.kind == "Title" for g in group):
        return 0
    last = group[-1] if group else None
    if last is None or last.kind == "Title" or not text[last.start : last.end].rstrip().endswith(":") \
            or sizes[-1] * _MAX_INTRO_SHARE > budget:
        return len(group)
    return 0 if all(g.kind == "Title" for g in group[:-1]) else len(group) - 1


def _windows(
    text: str, el: Element, spans: list[tuple[int, int]], budget: int, overlap: int, heading: str,
    lead: list[Element], lead_tokens: int,
) -> list[Span]:
    """Split one element into token windows with overlap, cut on token boundaries: one longer than a chunk, or one
    that does not fit beside its `lead`. The first window starts with the `lead` elements (headings or a line
    announcing the element, `lead_tokens` long) and holds that much less of the element."""
    out: list[Span] = []
    first, room = 0, max(budget - lead_tokens, 1)
    while first < len(spans):
        last = min(first + room, len(spans)) - 1
        start, end = el.start + spans[first][0], el.start + spans[last][1]
        if not out and lead:
            out.append(_span(text, lead[0].start, end, [*lead, el], heading))
        else:
            out.append(_span(text, start, end, [el], heading))
        if last == len(spans) - 1:
            break
        first, room = max(last + 1 - overlap, first + 1), budget
    return out


def _content_path(els: Sequence[Element]) -> tuple[str, ...]:
    """The headings a chunk's text is under: those of its first element that is no heading. A heading with
    nothing of its own under it ("### Configuration" straight over "#### `tag`") opens the chunk of the section
    after it, and gave that chunk its path: every unit of the `tag` option was read as "Configuration"."""
    return next((e.heading_path for e in els if e.kind != "Title"), els[0].heading_path)


def _span(text: str, start: int, end: int, els: list[Element], heading: str) -> Span:
    body = text[start:end]
    # The headings over the text often open the chunk already (carried in with it), the outer ones first.
    embed = body if not heading or body.startswith(tuple(heading.split(" > "))) else f"{heading}\n{body}"
    pages = [e.page for e in els if e.page is not None]
    return Span(
        start=start,
        end=end,
        heading_path=_content_path(els),
        page=pages[0] if pages else None,
        kinds=tuple(dict.fromkeys(e.kind for e in els)),
        embed_text=embed,
    )


def page_starts(elements: Sequence[Element]) -> list[list[int]]:
    """[offset, page] at each change of page, in text order."""
    out: list[list[int]] = []
    for el in elements:
        if el.page is not None and (not out or out[-1][1] != el.page):
            out.append([el.start, el.page])
    return out
