from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from kernel.settings import Settings
from kernel.store import Store
from models.cross_encoder import OnnxCrossEncoder
from models.embed import Embedder, load_embedder
from testing.services import ensure_postgres
from tests.handbook_api import Api, handbook_api
from wiring.services import Services, load_rationale_scorer, offline_environment

offline_environment()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder(Settings(torch_threads=1))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / ".cairn", torch_threads=1)


@functools.cache
def cross_encoder() -> OnnxCrossEncoder:
    s = Settings()
    return OnnxCrossEncoder(s.model_root / "reranker_en", threads=1)


@functools.cache
def rationale_scorer() -> OnnxCrossEncoder:
    return load_rationale_scorer(Settings(torch_threads=1))


def make_services(settings: Settings, embedder: Embedder, store: Store | None = None) -> Services:
    """Services.open with the test session's already-loaded models."""
    return Services.open(settings, embedder=embedder, reranker=cross_encoder(), rationale=rationale_scorer(),
                         store=store)


@pytest.fixture
def services(settings: Settings, embedder: Embedder) -> Iterator[Services]:
    svc = make_services(settings, embedder)
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    base = ensure_postgres()
    name = f"cairn_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meta.db'}"
    url: str = request.getfixturevalue("postgres_url")
    # A fresh schema state per test: drop every table Cairn made in the shared test database.
    from sqlalchemy import create_engine, text

    from kernel.store.base import Base

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS tickets_v2"))
        conn.execute(text("DROP TABLE IF EXISTS conversations_v2"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Api]:
    """One live server with the handbook for every API-level test module (built once per session)."""
    with handbook_api(tmp_path_factory.mktemp("api"), embedder, make_services) as a:
        yield a


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The quality gate is by far the longest file: scheduled first, it runs beside everything else instead of
    # starting last on one worker while the other sits idle.
    items.sort(key=lambda item: item.nodeid.split("::")[0] != "tests/test_gate.py")

