"""Comparing texts as a reader does."""

from __future__ import annotations


def same_words(a: str, b: str) -> bool:
    """Do two texts say the same, apart from case, spaces and punctuation ("npm publish" and "npm-publish")? A
    heading is compared so with a document's title: the parser and the responder both ask whether it is one."""
    return _letters(a) == _letters(b)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())
