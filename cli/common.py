"""What every command shares: consoles, settings, exit codes, errors, progress bars, the remote server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from client import CairnApiError, CairnClient
from kernel.errors import CairnError, ManifestError
from kernel.settings import Settings
from kernel.types import Principal

EXIT_CODES = """Exit codes: 0 done; 1 the command could not do its job (bad input, busy index, refused); 2 bad usage or
invalid settings; 3 ingest ran but some documents failed; 130 interrupted."""
T = TypeVar("T")
err = Console(stderr=True)
out = Console()


class RoleName(StrEnum):
    admin = "admin"
    curator = "curator"
    support = "support"
    user = "user"


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        # Field and reason only: the rejected value may be a secret (an API key inside CAIRN_LLM_PROVIDERS).
        err.print("[red]invalid settings:[/red]")
        for e in exc.errors(include_input=False, include_url=False):
            head, *rest = e["loc"] or ("settings",)
            field = f"CAIRN_{str(head).upper()}" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)
            err.print(f"  {field}: {e['msg']}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except Exception as exc:
        err.print(f"[red]invalid settings:[/red] {type(exc).__name__}: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc

EXIT_FAILED = 1  # the command could not do its job (bad input, busy index, ...)
EXIT_SOME_DOCUMENTS_FAILED = 3  # ingest ran, but some documents could not be indexed


def fail(exc: CairnError) -> typer.Exit:
    if isinstance(exc, ManifestError):
        # soft_wrap keeps each problem (and any path in it) on one line, as typed.
        err.print(f"[red]{exc.path}[/red] has {len(exc.problems)} problem(s):", soft_wrap=True)
        for p in exc.problems:
            err.print(f"  - {p}", soft_wrap=True, markup=False)
    else:
        err.print(f"[red]error ({exc.code}):[/red] {exc}", soft_wrap=True)
    return typer.Exit(1)


def principal(user: str, groups: str) -> Principal:
    """A user on the local data dir, as given on the command line."""
    return Principal(user_id=user, groups=tuple(g.strip() for g in groups.split(",") if g.strip()))


def progress_bar(hidden: bool = False) -> Progress:
    """Progress on stderr, shown only on a terminal (and never beside --json output)."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, disable=hidden or not err.is_terminal)


@dataclass(frozen=True)
class Remote:
    """A running Cairn server the command works through (`--server` / CAIRN_SERVER_URL), with the caller's key."""

    url: str
    api_key: str


def remote(ctx: typer.Context) -> Remote | None:
    found: Remote | None = ctx.find_root().obj
    return found


def through_server(r: Remote, work: Callable[[CairnClient], T]) -> T:
    """Run `work` with a client of the server; a refusal, an unreachable server or a job that outlives its
    wait ends the command in one line with exit code 1."""
    try:
        with CairnClient(r.url, r.api_key) as api:
            return work(api)
    except (CairnApiError, httpx.HTTPError, TimeoutError) as exc:
        err.print(f"[red]server:[/red] {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from exc


def local_user(user: str | None, groups: str, server: Remote | None) -> Principal | None:
    """On the local data dir a command runs as --user/--groups; through a server, as the API key's owner."""
    if server is not None:
        if user is not None or groups:
            err.print("[red]--user/--groups do not apply with --server:[/red] the API key decides who you are")
            raise typer.Exit(2)
        return None
    if not user:
        err.print("[red]--user is required[/red] (or work through a server with --server and an API key)")
        raise typer.Exit(2)
    return principal(user, groups)
