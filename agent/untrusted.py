"""Retrieved text is data: datamark it for models and scan it for injection attempts."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Instruction-like patterns seen in indirect prompt injection (BIPIA families, common jailbreak phrasing).
_INJECTION = [
    (r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|your)\b.{0,30}"
     r"\b(instruction|direction|rule|prompt|guideline)s?", "override_instructions"),
    (r"\b(you are now|act as|pretend to be|from now on,? you)\b", "role_hijack"),
    (r"\b(system prompt|developer message|hidden instruction)s?\b", "prompt_probe"),
    (r"\b(call|invoke|use|run|execute)\b.{0,30}\b(tool|function|escalate_to_human|api)\b", "tool_injection"),
    (r"\b(send|forward|email|post|upload|transfer|exfiltrate)\b.{0,60}\b(to|at)\b.{0,40}"
     r"(https?://|www\.|@[a-z0-9-]+\.)", "exfiltration"),
    (r"\b(click|visit|open|go to|navigate to)\b.{0,40}(https?://|www\.)", "link_lure"),
    (r"(?i)\b(instead|in addition),? (of answering|answer with|respond with|reply with|say|tell the user)\b",
     "answer_hijack"),
    (r"\b(important|attention|note to (the )?(ai|assistant|model)|ai assistant)\s*[:!]", "addressed_to_model"),
    (r"\b(print|reveal|output|repeat|leak)\b.{0,40}\b(password|secret|key|token|credential|prompt)s?\b",
     "secret_probe"),
    (r"\b(base64|rot13|encode|decode)\b.{0,40}\b(the|this|following)\b", "encoding_trick"),
    (r"<\s*/?\s*(system|assistant|tool|untrusted|instructions?)\s*>", "fake_delimiter"),
]
_COMPILED = [(re.compile(p, re.IGNORECASE | re.DOTALL), name) for p, name in _INJECTION]
URL = re.compile(r"https?://[^\s<>\"')\]]+|www\.[^\s<>\"')\]]+", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: str
    excerpt: str


def scan(text: str) -> list[Finding]:
    found: list[Finding] = []
    for pattern, name in _COMPILED:
        m = pattern.search(text)
        if m:
            found.append(Finding(name, text[max(0, m.start() - 20) : m.end() + 20]))
    return found


def datamark(source_ref: str, text: str) -> str:
    """Delimit retrieved text so a model can tell it from instructions; fake delimiters are defused."""
    safe = re.sub(r"<\s*(/?)\s*untrusted", r"‹\1untrusted", text, flags=re.IGNORECASE)
    return (f'<untrusted-data source="{source_ref}">\n{safe}\n</untrusted-data>')


def urls(text: str) -> set[str]:
    return {u.rstrip(".,;:").lower() for u in URL.findall(text)}
