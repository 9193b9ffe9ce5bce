"""Answer profiles: an immutable, versioned bundle of what shapes an answer (models and their order, the prompt,
the tools, retrieval and answer thresholds), so a change can be tried on a share of users and rolled back.

A profile holds every value it needs, copied when it is created: a later change of the deployment's settings
does not change a stored version. Version 0 is not stored: it is the deployment's own settings, the profile in
force until a first version is promoted.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from kernel.errors import RolloutError
from kernel.settings import Settings

# The settings a profile may set: search fusion and reranking, how many units answer, the verifier's bar,
# the agent's budgets. Everything else (storage, auth, limits) belongs to the deployment.
TUNABLE = ("fusion", "rrf_k", "sparse_weight", "dense_weight", "candidates", "decisive_ratio", "exact_identifiers",
           "rerank", "rerank_top_n", "rerank_weight", "rerank_budget_ms", "answer_k", "answer_rerank_docs",
           "answer_rerank_weight", "support_threshold",
           "tool_budget", "step_budget", "token_budget", "cost_budget", "deadline_s")

# The same names, types and bounds as Settings: one definition, so a profile can never hold a value the
# settings would refuse.
Tuning: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Tuning", __config__=ConfigDict(extra="forbid", frozen=True),
    **{k: (Settings.model_fields[k].annotation, Settings.model_fields[k]) for k in TUNABLE})


class AnswerProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    providers: tuple[str, ...] = Field(description="LLM providers by name, in order; empty = extractive only")
    prompt: str = Field(min_length=1, description="the system prompt given to LLM providers")
    tools: tuple[str, ...] = Field(description="the tools the agent may call")
    tuning: dict[str, Any] = Field(description="values of the tunable settings (kernel.profiles.TUNABLE)")

    def model_post_init(self, _: Any) -> None:
        missing = set(TUNABLE) - set(self.tuning)
        if missing:
            raise ValueError(f"tuning lacks {', '.join(sorted(missing))}")
        Tuning.model_validate(self.tuning)

    @classmethod
    def of_settings(cls, settings: Settings, builtin_prompt: str, all_tools: list[str]) -> AnswerProfile:
        """What these settings answer with (version 0), every value spelled out."""
        return cls(providers=tuple(p.name for p in settings.llm_providers),
                   prompt=settings.prompt or builtin_prompt, tools=tuple(settings.tools or all_tools),
                   tuning={k: getattr(settings, k) for k in TUNABLE})

    def derive(self, changes: dict[str, Any], settings: Settings, known_tools: list[str]) -> AnswerProfile:
        """A new profile: this one with `changes` (any of providers, prompt, tools, and some of tuning)."""
        unknown = set(changes) - {"providers", "prompt", "tools", "tuning"}
        if unknown:
            raise RolloutError(f"a profile has no {', '.join(sorted(unknown))}; it sets providers, prompt, "
                               "tools and tuning")
        tuning_changes = dict(changes.get("tuning") or {})
        if extra := set(tuning_changes) - set(TUNABLE):
            raise RolloutError(f"not tunable per profile: {', '.join(sorted(extra))} (tunable: "
                               f"{', '.join(TUNABLE)})")
        try:
            profile = AnswerProfile(providers=tuple(changes.get("providers", self.providers)),
                                    prompt=changes.get("prompt", self.prompt),
                                    tools=tuple(changes.get("tools", self.tools)),
                                    tuning=Tuning.model_validate({**self.tuning, **tuning_changes}).model_dump())
        except ValueError as exc:
            raise RolloutError(f"invalid profile: {exc}") from exc
        profile.check(settings, known_tools)
        return profile

    def check(self, settings: Settings, known_tools: list[str]) -> None:
        """Refuse a profile this deployment cannot run: a provider it has no endpoint for, an unknown tool."""
        names = {p.name for p in settings.llm_providers}
        if missing := [p for p in self.providers if p not in names]:
            raise RolloutError(f"no provider named {', '.join(missing)} in CAIRN_LLM_PROVIDERS")
        if unknown := [t for t in self.tools if t not in known_tools]:
            raise RolloutError(f"unknown tool {', '.join(unknown)}")

    def apply(self, settings: Settings) -> Settings:
        """The settings an agent of this profile runs with: the deployment's, with this profile's tuning, prompt
        and tools, and its providers in its order."""
        by_name = {p.name: p for p in settings.llm_providers}
        return settings.model_copy(update={**self.tuning, "prompt": self.prompt, "tools": list(self.tools),
                                           "llm_providers": [by_name[p] for p in self.providers if p in by_name]})
