"""The FastAPI application: one app for content teams, users and support agents (and the console)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api import problems, routes_corpora, routes_flags, routes_openai, routes_query, routes_support
from api.guard import Guard
from api.routes_openai import ChatCompletionChunk
from api.schemas import AskEvent, ChatCompletionEvent, Health, Readiness
from api.state import AppState
from kernel.settings import Settings
from kernel.version import cairn_version
from wiring.services import Services


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    state = AppState.build(settings, services)
    owns = services is None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owns:
            state.close()

    app = FastAPI(title="Cairn", version=cairn_version(), lifespan=lifespan,
                  # Operation ids are the handlers' names: stable, and what generated clients call.
                  generate_unique_id_function=lambda route: route.name,
                  description="Answers from approved document corpora, with citations. Authenticate with an "
                              "API key (`X-API-Key` or `Authorization: Bearer`) or a bearer JWT.")
    app.state.cairn = state
    problems.install(app)
    app.add_middleware(Guard, state=state, routes=lambda: app.routes)
    app.include_router(routes_corpora.router)
    app.include_router(routes_query.router)
    app.include_router(routes_support.router)
    app.include_router(routes_openai.router)
    app.include_router(routes_flags.router)
    _ops(app, state)
    _stream_schemas(app)
    from api import console

    console.install(app)
    app.include_router(console.router)
    return app


def _ops(app: FastAPI, state: AppState) -> None:
    @app.get("/healthz", tags=["ops"], summary="Liveness", response_model=Health)
    def healthz() -> Health:
        return Health(status="ok")

    @app.get("/readyz", tags=["ops"], summary="Readiness: index, database, broker when configured",
             response_model=Readiness, responses={503: {"model": Readiness, "description": "Not ready"}})
    def readyz() -> JSONResponse:
        checks: dict[str, Any] = {}
        try:
            state.services.index.count()
            checks["index"] = "ok"
        except Exception:
            checks["index"] = "down"
        try:
            state.services.store.catalogue.list_corpora()
            checks["database"] = "ok"
        except Exception:
            checks["database"] = "down"
        if state.settings.broker_url:
            try:
                import redis

                redis.Redis.from_url(state.settings.broker_url, socket_timeout=1).ping()
                checks["broker"] = "ok"
            except Exception:
                checks["broker"] = "down"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks},
                            status_code=200 if ok else 503)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=PlainTextResponse,
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
    def metrics() -> Response:
        return Response(generate_latest(state.services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _stream_schemas(app: FastAPI) -> None:
    """Server-sent events have no response model FastAPI could collect: their event schemas are added to
    the components by hand, where the two streaming operations refer to them."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = plain()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (AskEvent, ChatCompletionEvent, ChatCompletionChunk):
                js = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(js.pop("$defs", {}))
                components[model.__name__] = js
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
