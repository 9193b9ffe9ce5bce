"""The `cairn` entry point: the command tree, global options, and one-line errors instead of tracebacks."""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Annotated

import typer

from cli import ingest, purge, query, serve, tools
from cli.common import EXIT_CODES, EXIT_FAILED, Remote, err, fail
from cli.corpus import corpus_app
from cli.evals import eval_app
from cli.flags import flags_app
from cli.keys import keys_app
from cli.report import report_app
from cli.rollout import profiles_app, rollout_app
from kernel.errors import CairnError
from kernel.telemetry import configure_tracing, shutdown_tracing
from kernel.version import cairn_version
from wiring.services import offline_environment

app = typer.Typer(help="Cairn: answers from approved document corpora, with citations.", epilog=EXIT_CODES,
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(corpus_app, name="corpus")
app.add_typer(keys_app, name="keys")
app.add_typer(flags_app, name="flags")
app.add_typer(eval_app, name="eval")
app.add_typer(report_app, name="report")
app.add_typer(profiles_app, name="profiles")
app.add_typer(rollout_app, name="rollout")
for command in (ingest.ingest, ingest.worker, query.search, query.ask, serve.serve, serve.mcp, tools.tools,
                purge.purge):
    app.command()(command)


def _show_version(value: bool) -> None:
    if value:
        print(f"cairn {cairn_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    _version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                           help="print the version and exit")] = False,
    server: Annotated[str | None, typer.Option(envvar="CAIRN_SERVER_URL", help="work through a running Cairn "
                                               "server (search, ask, ingest, corpus list/revoke)")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="CAIRN_API_KEY", show_default=False,
                                                help="the API key used with --server")] = None,
) -> None:
    offline_environment()
    # Each kind of process is its own service in a trace view (OTEL_SERVICE_NAME overrides).
    configure_tracing({"serve": "cairn-api", "mcp": "cairn-mcp", "worker": "cairn-worker"}.get(
        ctx.invoked_subcommand or "", "cairn-cli"))
    if server:
        if not api_key:
            err.print("[red]--server needs an API key:[/red] --api-key or CAIRN_API_KEY")
            raise typer.Exit(2)
        ctx.obj = Remote(server, api_key)


def _leave_torch_unloaded() -> None:
    """spaCy's thinc imports torch whenever it is installed (1.7 s and some 300 MB per process here), though
    parsing never uses it. Where torch is installed (the dev extras) and this process will not embed with a
    sentence-transformers model, it is made unimportable before any parser loads."""
    if os.environ.get("CAIRN_EMBEDDING", "bge-small") == "bge-small" and "torch" not in sys.modules:
        sys.meta_path.insert(0, _NoTorch())


class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname.partition(".")[0] == "torch":
            raise ModuleNotFoundError("torch is left unloaded: CAIRN_EMBEDDING=bge-small runs on onnxruntime")
        return None


def main() -> None:
    """A Cairn error anywhere ends in one line and exit code 1, not a traceback."""
    _leave_torch_unloaded()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except CairnError as exc:
        fail(exc)
        sys.exit(EXIT_FAILED)
    finally:
        shutdown_tracing()


if __name__ == "__main__":
    main()
