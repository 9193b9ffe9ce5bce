"""`cairn profiles` (versioned answer profiles) and `cairn rollout` (canary, promote, rollback), on the
deployment's database; every process follows within seconds."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from cli.common import fail, out, settings
from kernel.errors import CairnError, RolloutError
from kernel.rollout import Rollout, RolloutState

profiles_app = typer.Typer(help="Answer profiles: immutable, versioned bundles of providers, prompt, tools and "
                                "thresholds.", no_args_is_help=True)
rollout_app = typer.Typer(help="Roll a profile out: a sticky canary share, promotion behind the gate, rollback.",
                          no_args_is_help=True)


def _rollout() -> Rollout:
    from kernel.store import Store

    return Rollout(Store(settings().db_url), 0.0)


def _by() -> str:
    return f"cli:{getpass.getuser()}"


@profiles_app.command("create")
def profiles_create(
    changes: Annotated[Path, typer.Argument(help="YAML or JSON: any of providers, prompt, tools, tuning (the "
                                            "changes from the base)", exists=True, dir_okay=False)],
    base: Annotated[int | None, typer.Option(help="version to start from; default the current one")] = None,
    note: Annotated[str, typer.Option(help="what changes and why, kept with the version")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Store a new profile version: the base with these changes, every value spelled out."""
    from wiring.agents import known_tools, profile_of

    s = settings()
    rollout = _rollout()
    try:
        loaded: Any = yaml.safe_load(changes.read_text()) or {}
        if not isinstance(loaded, dict):
            raise RolloutError(f"{changes} must hold a mapping (providers, prompt, tools, tuning)")
        start = rollout.state().current if base is None else base
        profile = profile_of(start, rollout, s).derive(loaded, s, known_tools())
        made = rollout.create(profile, by=_by(), role="admin", origin="cli", note=note)
    except (CairnError, yaml.YAMLError) as exc:
        raise fail(exc if isinstance(exc, CairnError) else RolloutError(f"{changes}: {exc}")) from exc
    if as_json:
        print(json.dumps(made.to_json()))
        return
    out.print(f"profile version {made.version} stored (from version {start}); digest {made.digest[:12]}")


@profiles_app.command("list")
def profiles_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every stored version, oldest first."""
    versions = _rollout().versions()
    if as_json:
        print(json.dumps({"items": [v.to_json() for v in versions]}))
        return
    table = Table("version", "providers", "tools", "created", "by", "note")
    for v in versions:
        table.add_row(str(v.version), ", ".join(v.profile.providers) or "(extractive)", str(len(v.profile.tools)),
                      v.created_at.isoformat(timespec="seconds"), v.created_by, v.note)
    out.print(table)


@profiles_app.command("show")
def profiles_show(version: Annotated[int, typer.Argument(help="0 is the deployment's own settings")]) -> None:
    """One version, whole (JSON)."""
    from wiring.agents import profile_of

    try:
        profile = profile_of(version, _rollout(), settings())
    except CairnError as exc:
        raise fail(exc) from exc
    print(json.dumps({"version": version, "profile": profile.model_dump(mode="json")}, indent=2))


def _show(state: RolloutState, as_json: bool, assigned: dict[str, int] | None = None) -> None:
    if as_json:
        print(json.dumps({**state.to_json(), "assigned_users": assigned or {}}))
        return
    line = f"current profile: version {state.current}"
    if state.candidate is not None:
        line += f"; canary: version {state.candidate} for {state.share:.0%} of users"
        if assigned:
            line += " (users so far: " + ", ".join(f"v{k}: {n}" for k, n in sorted(assigned.items())) + ")"
    out.print(line)


@rollout_app.command("status")
def rollout_status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The current profile, the canary if one runs, and how many users each has."""
    rollout = _rollout()
    _show(rollout.state(), as_json, rollout.assignments())


@rollout_app.command("history")
def rollout_history(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every canary, promotion and rollback, oldest first."""
    events = _rollout().history()
    if as_json:
        print(json.dumps({"items": [e.to_json() for e in events]}))
        return
    table = Table("event", "action", "current", "candidate", "share", "by", "at", "reason")
    for e in events:
        table.add_row(str(e.id), e.action, str(e.current), "" if e.candidate is None else str(e.candidate),
                      f"{e.share:.0%}" if e.candidate is not None else "", e.by,
                      e.at.isoformat(timespec="seconds") if e.at else "", e.reason)
    out.print(table)


@rollout_app.command("canary")
def rollout_canary(
    version: Annotated[int, typer.Argument(help="the candidate profile version")],
    share: Annotated[float, typer.Option(help="share of users, sticky per user (0-1]")] = 0.1,
    reason: Annotated[str, typer.Option(help="why, for the audit log")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Serve a candidate to a share of users; the rest keep the current profile."""
    try:
        _show(_rollout().canary(version, share, by=_by(), role="admin", origin="cli", reason=reason), as_json)
    except CairnError as exc:
        raise fail(exc) from exc


@rollout_app.command("promote")
def rollout_promote(
    reason: Annotated[str, typer.Option(help="why, for the audit log")] = "",
    skip_gate: Annotated[bool, typer.Option("--skip-gate", help="promote without a passing gate run (needs "
                                            "--reason; audited)")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Make the canary's candidate everyone's profile; refused unless `cairn eval gate --profile` passed it."""
    try:
        _show(_rollout().promote(by=_by(), role="admin", origin="cli", reason=reason, skip_gate=skip_gate), as_json)
    except CairnError as exc:
        raise fail(exc) from exc


@rollout_app.command("rollback")
def rollout_rollback(
    reason: Annotated[str, typer.Option(help="why, for the audit log")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Stop the canary; with none running, go back to the profile current before the last promotion."""
    try:
        _show(_rollout().rollback(by=_by(), role="admin", origin="cli", reason=reason), as_json)
    except CairnError as exc:
        raise fail(exc) from exc
