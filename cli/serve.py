"""`cairn serve`: the API and support console."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cli.common import (
    err,
    fail,
    settings,
)
from kernel.errors import CairnError
from kernel.logs import log_config
from wiring.services import Services


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and the support console (embedded default: nothing else to start).

    One process: the embedded index has a single writer. To serve more, run several `cairn serve` on a
    Qdrant server (CAIRN_QDRANT_URL) and PostgreSQL behind a proxy; see the compose file in deploy/."""
    import uvicorn

    from api.app import create_app

    s = settings()
    uvicorn.run(create_app(s), host=host, port=port, log_config=log_config("info", s.log_format))


class Transport(StrEnum):
    STDIO = "stdio"
    HTTP = "http"


def mcp(
    transport: Annotated[Transport, typer.Option(help="stdio (for a local agent or IDE) or http (streamable "
                                                 "HTTP)")] = Transport.STDIO,
    host: Annotated[str, typer.Option(help="http: address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="http: port; the endpoint is /mcp")] = 8001,
    api_key: Annotated[str | None, typer.Option(envvar="CAIRN_API_KEY", show_default=False,
                                                help="stdio: the key every call runs as")] = None,
) -> None:
    """Serve Cairn's tools (search, ask, read_source, verify_citation) over MCP, as the caller."""
    import uvicorn

    from api.auth import JwtVerifier, authenticate
    from api.mcp_server import Caller, build_mcp, require_credentials
    from wiring.agents import Agents

    s = settings()
    svc = Services.open(s)
    verifier = JwtVerifier(s)
    try:
        if transport is Transport.STDIO:
            if not api_key:
                err.print("[red]stdio needs the caller's key:[/red] CAIRN_API_KEY or --api-key")
                raise typer.Exit(2)
            try:
                who = authenticate(svc.store, verifier, None, api_key)
            except CairnError as exc:
                raise fail(exc) from exc
            build_mcp(Agents(svc), Caller(who)).run("stdio")
            return
        server = build_mcp(Agents(svc), Caller(None))
        app = server.streamable_http_app(stateless_http=True, json_response=True, host=host)
        uvicorn.run(require_credentials(app, svc.store, verifier), host=host, port=port,
                    log_config=log_config("info", s.log_format))
    finally:
        svc.close()
