"""Issue 15: docs/tools.md is the registry's own catalogue, never a stale copy."""

from __future__ import annotations

from pathlib import Path

from agent.builtin_tools import default_registry
from agent.tool_docs import tools_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "tools.md"


def test_the_tool_catalogue_is_current() -> None:
    rendered = tools_markdown(default_registry())
    assert DOC.read_text() == rendered, "docs/tools.md is out of date: cairn tools --markdown > docs/tools.md"
    for name in default_registry().tools:
        assert f"## `{name}`" in rendered
    assert "`SearchResult` (`results`, `query`, `rerank`, `timings_ms`)" in rendered
