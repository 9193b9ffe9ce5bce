"""`cairn flags`: run-time switches (list, off, on) on the deployment's database; every process follows
within seconds, no restart."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.table import Table

from cli.common import out, settings
from kernel.flags import Flag, Flags

flags_app = typer.Typer(help="Run-time switches: llm, rerank, writes, tool:<name>, provider:<name>, "
                             "corpus:<name>.", no_args_is_help=True)


def _flags() -> Flags:
    from kernel.store import Store

    return Flags(Store(settings().db_url))


def _show(flag: Flag, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"name": flag.name, "off": flag.off, "reason": flag.reason, "changed_by": flag.changed_by,
                          "changed_at": flag.changed_at.isoformat()}))
        return
    out.print(f"{flag.name} is {'OFF' if flag.off else 'on'} (by {flag.changed_by})")


@flags_app.command("list")
def flags_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every switch that was ever set, with who set it and why."""
    flags = _flags().all()
    if as_json:
        print(json.dumps({"items": [{"name": f.name, "off": f.off, "reason": f.reason, "changed_by": f.changed_by,
                                     "changed_at": f.changed_at.isoformat()} for f in flags]}))
        return
    table = Table("switch", "state", "reason", "by", "at")
    for f in flags:
        table.add_row(f.name, "OFF" if f.off else "on", f.reason, f.changed_by, f.changed_at.isoformat())
    out.print(table)


@flags_app.command("off")
def flags_off(name: Annotated[str, typer.Argument(help="e.g. llm, writes, tool:search_knowledge, corpus:hr")],
              reason: Annotated[str, typer.Option(help="why, for the audit log")] = "",
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Switch something off, in every process within seconds."""
    _show(_flags().set(name, True, by=f"cli:{getpass.getuser()}", role="admin", origin="cli", reason=reason),
          as_json)


@flags_app.command("on")
def flags_on(name: Annotated[str, typer.Argument()],
             reason: Annotated[str, typer.Option(help="why, for the audit log")] = "",
             as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Switch something back on."""
    _show(_flags().set(name, False, by=f"cli:{getpass.getuser()}", role="admin", origin="cli", reason=reason),
          as_json)
