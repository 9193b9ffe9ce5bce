"""One error hierarchy for Cairn. Every error a user can meet derives from CairnError."""

from __future__ import annotations


class CairnError(Exception):
    """Base of every error Cairn raises on purpose; `code` is stable for APIs and the CLI."""

    code = "cairn_error"


class ConfigError(CairnError):
    code = "config_error"


class ManifestError(CairnError):
    """A corpus manifest is invalid; `problems` lists every problem found, not just the first."""

    code = "invalid_manifest"

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class CorpusNotApprovedError(CairnError):
    code = "corpus_not_approved"


class NotFoundError(CairnError):
    code = "not_found"


class ToolRefusedError(CairnError):
    """A tool call made for a person (API, CLI) was refused or failed in the governance loop."""

    code = "tool_refused"

    def __init__(self, reason_code: str, reason: str) -> None:
        self.reason_code = reason_code
        super().__init__(reason)


class DocumentError(CairnError):
    """A single document cannot be ingested; the rest of the corpus goes on."""

    code = "document_failed"


class UnsupportedTypeError(DocumentError):
    code = "unsupported_type"


class FileTooLargeError(DocumentError):
    code = "file_too_large"


class ParseTimeoutError(DocumentError):
    code = "parse_timeout"


class ParseFailedError(DocumentError):
    code = "parse_failed"


class IndexBackendError(CairnError):
    code = "index_error"


class IndexBusyError(IndexBackendError):
    code = "index_busy"


class BrokerError(CairnError):
    code = "broker_error"


class UnknownSwitchError(CairnError):
    code = "unknown_switch"


class SwitchedOffError(CairnError):
    """An operator switched this off (`cairn flags`); it comes back when switched on, no restart needed."""

    code = "switched_off"


class RolloutError(CairnError):
    """A profile or rollout change that cannot be made as asked (unknown version, no canary, a failed gate)."""

    code = "rollout_refused"
