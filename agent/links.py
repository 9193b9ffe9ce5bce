"""The link policy of answers: a URL that came from retrieved text is shown as a link only when its domain is
on the allowed list of the corpus it was cited from; any other is defanged and marked as the source's
words. A planted "rates are confirmed at http://…" line may still be quoted — as a quote, never as a link.
The citation's quote stays verbatim, so support agents still see exactly what the source says."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from agent.answer import Answer
from agent.untrusted import URL

MARK = " (link from the source, not checked)"


def host_of(url: str) -> str:
    raw = url if "://" in url else f"http://{url}"
    return (urlsplit(raw).hostname or "").lower().rstrip(".")


def domain_allowed(host: str, allowed: list[str]) -> bool:
    """`example.com` allows that host and its subdomains; `*.example.com` only the subdomains."""
    for pattern in allowed:
        p = pattern.lower().strip().rstrip(".")
        if p.startswith("*."):
            if host.endswith(p[1:]):
                return True
        elif host == p or host.endswith(f".{p}"):
            return True
    return False


def defang(url: str) -> str:
    out = re.sub(r"^http", "hxxp", url, flags=re.IGNORECASE)
    return out.replace(".", "[.]")


def apply_link_policy(ans: Answer, allowed_for: Callable[[str], list[str]]) -> Answer:
    """`allowed_for(document_id)` is the allowed domains of that document's corpus."""
    if ans.abstained or not URL.search(ans.answer):
        return ans
    allowed = sorted({d for c in ans.citations for d in allowed_for(c.document_id)})
    changed = False

    def swap(m: re.Match[str]) -> str:
        nonlocal changed
        url = m.group(0)
        tail = ""
        while url and url[-1] in ".,;:!?":
            url, tail = url[:-1], url[-1] + tail
        if domain_allowed(host_of(url), allowed):
            return m.group(0)
        changed = True
        return f"{defang(url)}{MARK}{tail}"

    text = URL.sub(swap, ans.answer)
    if not changed:
        return ans
    notice = "links to domains the sources' corpora do not allow are shown defanged (hxxp, [.])"
    return ans.model_copy(update={"answer": text, "notices": [*ans.notices, notice]})
