"""Settings, validated once at the edge (CLI, API, worker) and passed in explicitly from there."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbeddingName = Literal["bge-small", "minilm"]
FusionName = Literal["minmax", "rrf", "dbsf"]


class LlmProvider(BaseModel):
    """One OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    base_url: str
    model: str
    api_key: SecretStr = SecretStr("not-needed")
    timeout_s: float = Field(default=30.0, gt=0)
    price_prompt_per_1k: float = Field(default=0.0, ge=0)
    price_completion_per_1k: float = Field(default=0.0, ge=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAIRN_", extra="forbid", frozen=True)

    data_dir: Path = Path(".cairn")
    flags_ttl_s: float = Field(default=2.0, ge=0, description="how often a process re-reads the run-time switches")
    log_format: Literal["json", "text"] = Field(
        default="json", description="server and worker log lines: JSON objects with trace and request ids, or text")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/cairn.db"
    )
    qdrant_url: str | None = Field(default=None, description="Qdrant server; unset = embedded Qdrant Edge")
    qdrant_api_key: SecretStr | None = None
    collection: str = "cairn"
    broker_url: str | None = Field(default=None, description="Celery broker; unset = ingest in-process")
    queue: str = Field(default="cairn-ingest", description="Celery queue the ingestion tasks go to")
    visibility_timeout_s: int = Field(default=3600, ge=10)
    task_deadline_s: float = Field(default=300.0, gt=0, description="a document task running longer is sent again")
    broker_outage_s: float = Field(default=300.0, gt=0, description="how long ingest waits for a lost broker")

    embedding: EmbeddingName | str = Field(
        default="bge-small",
        description="'bge-small' (packaged INT8 ONNX), 'minilm' (packaged sentence-transformers), "
        "or a path to any sentence-transformers model",
    )
    models_dir: Path | None = Field(
        default=None, description="folder holding reranker_en/ and bge_small_en/; default .venv/share"
    )
    embed_batch_size: int = Field(
        default=32, ge=1, description="texts per batch for sentence-transformers embedders; the ONNX models run "
        "one text per call, so that a text's vector does not depend on what is embedded beside it")
    torch_threads: int = Field(default=2, ge=1)
    chunk_tokens: int = Field(default=384, ge=32)
    chunk_overlap_tokens: int = Field(default=48, ge=0)
    max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    parse_timeout_s: float = Field(default=60.0, gt=0)
    parse_memory_mb: int = Field(default=2048, ge=256)
    max_attempts: int = Field(default=3, ge=1)
    min_free_mb: int = Field(default=256, ge=0, description="ingestion stops cleanly below this free space")

    fusion: FusionName = Field(default="minmax", description="minmax (each leg's scores scaled to [0, 1], then "
                               "weighted; the default, measured best here), rrf or dbsf")
    rrf_k: float = Field(default=10.0, gt=0)
    sparse_weight: float = Field(default=0.4, ge=0)
    dense_weight: float = Field(default=0.6, ge=0)
    candidates: int = Field(default=100, ge=1, description="hits taken from each leg before fusion")
    decisive_ratio: float = Field(default=1.5, ge=0, description="BM25 top hit this many times above any other "
                                  "document's goes first; 0 turns it off")
    exact_identifiers: bool = Field(default=True, description="the one candidate holding a query identifier "
                                    "(error name, config key) verbatim goes first")
    rerank: bool = False
    rerank_top_n: int = Field(default=20, ge=1)
    rerank_weight: float = Field(default=0.3, ge=0, le=1)
    rerank_budget_ms: float = Field(default=3000, gt=0)

    llm_providers: list[LlmProvider] = Field(
        default_factory=list, description="JSON list; empty = the extractive responder only")
    prompt: str | None = Field(default=None, description="system prompt for LLM providers; unset = the built-in one")
    tools: list[str] | None = Field(default=None, description="JSON list of the tools the agent may call; unset = all")
    support_threshold: float = Field(default=0.75, ge=0, le=1,
                                     description="min support of a generated sentence by its cited span")
    memory_turns: int = Field(default=6, ge=0, description="recent turns kept per conversation")
    # Retention (`cairn purge`; 0 keeps forever). See docs/data-handling.md.
    retain_answers_days: int = Field(default=365, ge=0, description="stored answers (their quotes included)")
    retain_audit_days: int = Field(default=400, ge=0, description="audit rows and safety events")
    retain_conversations_days: int = Field(default=30, ge=0, description="conversation memory, since last turn")
    retain_tickets_days: int = Field(default=730, ge=0, description="resolved tickets (open ones are kept)")
    answer_k: int = Field(default=8, ge=1, le=20)
    answer_rerank_docs: int = Field(default=4, ge=0, le=20, description=(
        "searched documents whose first passage the cross-encoder reads to order the documents answers come from; "
        "0 or 1: the search's order"))
    answer_rerank_weight: float = Field(default=0.3, ge=0, le=1, description=(
        "the cross-encoder's share in that order (1: its order alone)"))
    tool_budget: int = Field(default=12, ge=1)
    step_budget: int = Field(default=8, ge=1)
    token_budget: int = Field(default=20_000, ge=1)
    cost_budget: float = Field(default=0.05, ge=0)
    deadline_s: float = Field(default=60.0, gt=0)

    jwt_secret: SecretStr | None = Field(default=None, description="HS256 shared secret for bearer JWTs")
    jwt_jwks_file: Path | None = Field(default=None, description="JWKS (JSON file) for RS256/ES256 bearer JWTs")
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    jwt_groups_claim: str = "groups"
    jwt_role_claim: str = "role"
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    rate_per_s: float = Field(default=20.0, gt=0, description="token bucket refill per API key")
    rate_burst: int = Field(default=40, ge=1)
    auth_fail_per_min: float = Field(default=6.0, gt=0, description="failed sign-ins refilled per client")
    auth_fail_burst: int = Field(default=10, ge=1, description="failed sign-ins before a client waits")
    idempotency_ttl_s: int = Field(default=86_400, ge=60, description="how long an Idempotency-Key is kept")
    rate_redis_url: str | None = Field(default=None, description="share rate limits through Redis")
    max_concurrency: int = Field(default=8, ge=1, description="requests in flight before 503")
    request_timeout_s: float = Field(default=60.0, gt=0)
    secure_cookies: bool = Field(default=False, description="mark console cookies Secure (set behind TLS)")

    @field_validator("chunk_overlap_tokens")
    @classmethod
    def _overlap_small(cls, v: int) -> int:
        if v > 128:
            raise ValueError("overlap above 128 tokens wastes most of each chunk")
        return v

    @model_validator(mode="after")
    def _overlap_below_chunk(self) -> Settings:
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_tokens")
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'cairn.db'}"

    @property
    def index_path(self) -> Path:
        return self.data_dir / "index"

    @property
    def model_root(self) -> Path:
        if self.models_dir is not None:
            return self.models_dir
        import sys

        return Path(sys.prefix) / "share" / "cairn-models"
