"""Corpus manifests (`corpus.yaml`): load, validate (every problem at once) and resolve ACLs."""

from __future__ import annotations

import fnmatch
from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kernel.errors import CorpusNotApprovedError, ManifestError
from kernel.types import Acl

MANIFEST_NAME = "corpus.yaml"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str | None = None
    records: str | None = None
    include: list[str] = Field(default_factory=lambda: ["**/*"])
    exclude: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        if (self.path is None) == (self.records is None):
            raise ValueError("give exactly one of source.path (a folder) or source.records (a JSONL file)")
        return self


class AclRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match: str
    groups: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    public: bool = False

    def acl(self) -> Acl:
        return Acl(groups=self.groups, users=self.users, public=self.public)

    @model_validator(mode="after")
    def _valid_acl(self) -> AclRule:
        self.acl()
        return self


class AclSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: Acl
    rules: list[AclRule] = Field(default_factory=list)


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["pending", "approved", "revoked"] = "pending"
    by: str | None = None
    at: datetime | None = None

    @model_validator(mode="after")
    def _approver(self) -> Approval:
        if self.status == "approved" and not (self.by and self.at):
            raise ValueError("an approved corpus needs approval.by and approval.at")
        return self


class Links(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allow: list[str] = Field(default_factory=list, description="domains whose links answers may show as links")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    description: str = ""
    owner: str = Field(min_length=1)
    source: Source
    acl: AclSpec
    approval: Approval = Field(default_factory=Approval)
    links: Links = Field(default_factory=Links)


class LoadedManifest(BaseModel):
    """A validated manifest together with where it was read from."""

    manifest: Manifest
    path: Path

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def source_root(self) -> Path:
        src = self.manifest.source
        return (self.base_dir / (src.path or ".")).resolve()

    def records_file(self) -> Path:
        assert self.manifest.source.records is not None
        return (self.base_dir / self.manifest.source.records).resolve()

    def require_approved(self) -> None:
        status = self.manifest.approval.status
        if status != "approved":
            raise CorpusNotApprovedError(
                f"corpus {self.name!r} is {status}, not approved: only approved corpora are ingested "
                f"(set approval.status: approved with approval.by and approval.at in {self.path})"
            )

    def acl_for(self, rel_path: str, own: Acl | None = None) -> Acl:
        """A record's own ACL wins; else the last matching rule; else the corpus default."""
        if own is not None:
            return own
        chosen = self.manifest.acl.default
        for rule in self.manifest.acl.rules:
            if glob_match(rel_path, rule.match):
                chosen = rule.acl()
        return chosen

    def selects(self, rel_path: str) -> bool:
        src = self.manifest.source
        return any(glob_match(rel_path, g) for g in src.include) and not any(
            glob_match(rel_path, g) for g in src.exclude
        )


def glob_match(rel_path: str, pattern: str) -> bool:
    """Gitignore-like globs: `**/` matches zero or more folders, `*` stays inside one folder."""
    if pattern.startswith("**/") and glob_match(rel_path, pattern[3:]):
        return True
    if pattern.endswith("/**") and (rel_path == pattern[:-3] or rel_path.startswith(pattern[:-2])):
        return True
    return _segments_match(rel_path.split("/"), pattern.split("/"))


def _segments_match(parts: list[str], pats: list[str]) -> bool:
    if not pats:
        return not parts
    if pats[0] == "**":
        return any(_segments_match(parts[i:], pats[1:]) for i in range(len(parts) + 1))
    if not parts:
        return False
    return fnmatch.fnmatchcase(parts[0], pats[0]) and _segments_match(parts[1:], pats[1:])


def unmatched_patterns(loaded: LoadedManifest, rel_paths: list[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for patterns that select nothing among the corpus's files. An ACL rule that
    matches nothing is an error: a typo there hands its files the default ACL (a wider one, usually)."""
    errors: list[str] = []
    warnings: list[str] = []
    for i, rule in enumerate(loaded.manifest.acl.rules):
        if not any(glob_match(p, rule.match) for p in rel_paths):
            errors.append(f"acl.rules[{i}].match: {rule.match!r} matches no file{_case_hint(rule.match, rel_paths)}")
    if loaded.manifest.source.path is not None:
        for g in loaded.manifest.source.include:
            if not any(glob_match(p, g) for p in rel_paths):
                warnings.append(f"source.include: {g!r} matches no file{_case_hint(g, rel_paths)}")
    return errors, warnings


def _case_hint(pattern: str, rel_paths: list[str]) -> str:
    low = pattern.lower()
    for p in rel_paths:
        if glob_match(p.lower(), low):
            fixed = _recase(pattern, p)
            return f"; did you mean {fixed!r}? (it matches {p!r} but for letter case)"
    return ""


def _recase(pattern: str, path: str) -> str:
    """The pattern with each literal folder/file name spelt as in `path` (wildcards left alone)."""
    pats, parts = pattern.split("/"), path.split("/")
    out = []
    for i, seg in enumerate(pats):
        literal = not any(c in seg for c in "*?[")
        out.append(parts[i] if literal and i < len(parts) and parts[i].lower() == seg.lower() else seg)
        if seg == "**":
            out += pats[i + 1:]
            break
    return "/".join(out)


def find_manifest(path: Path) -> Path:
    return path / MANIFEST_NAME if path.is_dir() else path


def load_manifest(path: Path) -> LoadedManifest:
    """Read and validate a manifest; raise ManifestError listing every problem found."""
    if not path.exists():
        raise ManifestError(str(path), [f"{path} does not exist (give a corpus folder or its corpus.yaml)"])
    file = find_manifest(path)
    if not file.is_file():
        raise ManifestError(str(file), ["no corpus.yaml here"])
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ManifestError(str(file), [f"not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise ManifestError(str(file), ["the manifest must be a mapping of fields"])
    problems: list[str] = []
    if "acl" not in raw:
        problems.append("acl: missing; every corpus must say who may read it (no implicit public access)")
    manifest: Manifest | None = None
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "manifest"
            if where == "acl" and err["type"] == "missing":
                continue
            problems.append(f"{where}: {err['msg']}")
    if manifest is not None:
        loaded = LoadedManifest(manifest=manifest, path=file.resolve())
        problems += _source_problems(loaded)
        if not problems:
            return loaded
    else:
        problems += _raw_source_problems(raw, file.parent)
    raise ManifestError(str(file), problems)


def _raw_source_problems(raw: dict[str, object], base: Path) -> list[str]:
    """The source checks for a manifest that failed validation elsewhere, so they are reported too."""
    src = raw.get("source")
    if not isinstance(src, dict):
        return []
    out = []
    if isinstance(src.get("path"), str) and not (base / src["path"]).is_dir():
        out.append(f"source.path: folder {(base / src['path']).resolve()} does not exist")
    if isinstance(src.get("records"), str) and not (base / src["records"]).is_file():
        out.append(f"source.records: file {(base / src['records']).resolve()} does not exist")
    return out


def _source_problems(loaded: LoadedManifest) -> list[str]:
    src = loaded.manifest.source
    if src.path is not None and not loaded.source_root().is_dir():
        return [f"source.path: folder {loaded.source_root()} does not exist"]
    if src.records is not None and not loaded.records_file().is_file():
        return [f"source.records: file {loaded.records_file()} does not exist"]
    return []


def save_manifest(manifest: Manifest, file: Path) -> LoadedManifest:
    """Write a manifest (API-created corpora, approval changes) and read it back through validation."""
    file.parent.mkdir(parents=True, exist_ok=True)
    data = manifest.model_dump(mode="json", exclude_none=True)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    tmp.replace(file)
    return load_manifest(file)
