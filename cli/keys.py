"""`cairn keys`: create (shown once), list, revoke API keys on the local database."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import (
    EXIT_FAILED,
    RoleName,
    err,
    out,
    settings,
)

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Option(help="user id the key acts as")],
    role: Annotated[RoleName, typer.Option(help="what the key may do")] = RoleName.user,
    groups: Annotated[str, typer.Option(help="comma-separated groups")] = "",
    name: Annotated[str, typer.Option(help="a label for the key")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print the key and its id as JSON")] = False,
) -> None:
    """Create an API key. The key is printed once; only its hash is stored."""
    from api.auth import create_key
    from kernel.store import Store

    store = Store(settings().db_url)
    try:
        group_list = [g.strip() for g in groups.split(",") if g.strip()]
        key = create_key(store, user, group_list, role.value, name)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    _operator_audit(store, "key.create", {"key_id": key.key_id, "user": user, "role": role.value})
    if as_json:
        print(json.dumps({"id": key.key_id, "key": key.token, "user": user, "role": role.value,
                          "groups": group_list, "name": name}))
        return
    print(key.token)
    err.print(f"key {key.key_id} for {user} ({role}); store it now, it is not shown again")


@keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List keys (never their secrets)."""
    from kernel.store import Store

    keys = Store(settings().db_url).access.api_keys()
    if as_json:
        print(json.dumps({"keys": [{"id": k.id, "name": k.name, "user": k.user_id, "groups": k.groups,
                                    "role": k.role, "created": k.created_at.isoformat(),
                                    "revoked": k.revoked_at is not None} for k in keys]}))
        return
    table = Table("id", "name", "user", "role", "groups", "revoked")
    for k in keys:
        table.add_row(k.id, k.name, k.user_id, k.role, ",".join(k.groups), str(k.revoked_at is not None))
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Revoke a key by its id."""
    from kernel.store import Store

    store = Store(settings().db_url)
    if not store.access.revoke_api_key(key_id):
        if as_json:
            print(json.dumps({"id": key_id, "revoked": False, "error": "no active key with this id"}))
        else:
            err.print(f"[red]no active key {key_id}[/red]")
        raise typer.Exit(EXIT_FAILED)
    # Console sessions opened with this key end with it.
    _operator_audit(store, "key.revoke", {"key_id": key_id})
    if as_json:
        print(json.dumps({"id": key_id, "revoked": True}))
        return
    out.print(f"revoked {key_id}")


def _operator_audit(store: Any, action: str, target: dict[str, object]) -> None:
    import getpass

    store.records.add_admin_audit(f"cli:{getpass.getuser()}", "admin", action, target, origin="cli")
