"""`cairn tools`: the tool catalogue, from the registry every door uses."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.common import out


def tools(markdown: Annotated[bool, typer.Option("--markdown", help="the catalogue as docs/tools.md has it")]
          = False) -> None:
    """The agent's tools: tier, roles, timeout, what they return."""
    from agent.builtin_tools import default_registry
    from agent.tool_docs import tools_markdown

    registry = default_registry()
    if markdown:
        print(tools_markdown(registry), end="")
        return
    table = Table("tool", "tier", "roles", "description")
    for name, spec in sorted(registry.tools.items()):
        table.add_row(name, spec.tier, ", ".join(sorted(spec.roles)), spec.description)
    out.print(table)
