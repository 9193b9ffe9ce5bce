"""Cursor pagination for every list (`schemas.Page`: `{"items": [...], "next_cursor": ...}`), keyset underneath.

A cursor is opaque to clients (base64 of the last item's key), so the ordering key can change without
breaking them; a list that changes between pages neither repeats nor skips an item before the cursor.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated

from fastapi import Query

from api.problems import ProblemError

Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Cursor = Annotated[str | None, Query(max_length=1000, description="`next_cursor` of the previous page")]


def encode_cursor(key: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: type[str] | type[int]) -> str | int | None:
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["k"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        key = None
    if not isinstance(key, kind) or isinstance(key, bool):
        raise ProblemError(422, "Invalid request", "the cursor is not one this list gave out",
                           errors=[{"field": "cursor", "message": "invalid cursor"}])
    return key


def str_cursor(cursor: str | None) -> str | None:
    key = decode_cursor(cursor, str)
    return key if isinstance(key, str) else None


def int_cursor(cursor: str | None) -> int | None:
    key = decode_cursor(cursor, int)
    return key if isinstance(key, int) else None


def next_cursor(keys: list[str] | list[int], limit: int) -> str | None:
    """A next page exists when this one came back full (one extra row was asked for to know)."""
    return encode_cursor(keys[limit - 1]) if len(keys) > limit else None
