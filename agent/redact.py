"""PII and secret redaction for audit records and logs."""

from __future__ import annotations

import re
from typing import Any

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("api_key", re.compile(r"\b(?:sk|pk|rk|ghp|gho|xox[abp]|AKIA|ck)[-_A-Za-z0-9]{12,}\b")),
    ("secret", re.compile(r"(?i)\b(password|passwd|secret|token|api[_-]?key)\s*[:=]\s*\S+")),
    ("card", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    ("national_id", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b")),
    ("phone", re.compile(r"(?<!\w)\+?\d[\d ().-]{7,}\d(?!\w)")),
]


def redact(text: str) -> str:
    for name, pattern in _PATTERNS:
        text = pattern.sub(f"[{name.upper()}]", text)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value
