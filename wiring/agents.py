"""The agent each user gets: the rollout picks an answer profile per user, one agent is built per profile."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from agent.builtin_tools import default_registry
from agent.llm import SYSTEM_PROMPT
from kernel.profiles import AnswerProfile
from kernel.rollout import Rollout
from kernel.settings import Settings
from kernel.types import Principal
from wiring.services import Services

if TYPE_CHECKING:
    from agent.runner import Agent


class Agents:
    """Agents by profile version over one set of services. Version 0 is the settings' own agent; a stored
    version's agent is built the first time a user is routed to it, and kept (a version never changes)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._built: dict[int, Agent] = {}
        self._lock = threading.Lock()

    @property
    def base(self) -> Agent:
        return self.version(0)

    def for_user(self, principal: Principal) -> Agent:
        return self.version(self.services.rollout.version_for(principal.user_id))

    def version(self, version: int) -> Agent:
        with self._lock:
            agent = self._built.get(version)
            if agent is None:
                agent = self.services.agent(self.services.rollout.get(version).profile if version else None,
                                            version)
                self._built[version] = agent
            return agent


def builtin_profile(settings: Settings) -> AnswerProfile:
    """Version 0, spelled out: what these settings answer with."""
    return AnswerProfile.of_settings(settings, SYSTEM_PROMPT, known_tools())


def known_tools() -> list[str]:
    return list(default_registry().tools)


def profile_of(version: int, rollout: Rollout, settings: Settings) -> AnswerProfile:
    return rollout.get(version).profile if version else builtin_profile(settings)
