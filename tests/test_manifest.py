from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from ingest.manifest import glob_match, load_manifest
from kernel.errors import CorpusNotApprovedError, ManifestError
from testing.docs import manifest


def test_valid_manifest_resolves_acl_rules(tmp_path: Path) -> None:
    (tmp_path / "docs" / "hr").mkdir(parents=True)
    m = load_manifest(manifest(tmp_path, "hb", {"path": "./docs", "include": ["**/*.md"]},
                               {"default": {"groups": ["employees"]}, "rules": [{"match": "hr/**", "groups": ["hr"]}]}))
    assert m.acl_for("guide.md").tokens() == ["group:employees"]
    assert m.acl_for("hr/pay.md").tokens() == ["group:hr"]
    assert m.selects("a/b/c.md") and m.selects("c.md") and not m.selects("c.pdf")
    m.require_approved()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "corpus.yaml").write_text(yaml.safe_dump({
        "name": "bad name!", "owner": "", "source": {"path": "./missing"},
        "approval": {"status": "approved"},
    }))
    with pytest.raises(ManifestError) as info:
        load_manifest(tmp_path)
    text = " | ".join(info.value.problems)
    assert "acl: missing" in text
    assert "name" in text and "owner" in text and "approval" in text
    assert "source.path: folder" in text and "does not exist" in text
    assert len(info.value.problems) >= 5


def test_empty_acl_is_an_error_not_public(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    manifest(tmp_path, "x", {"path": "./docs"}, {"default": {}})
    with pytest.raises(ManifestError, match="must name groups, users, or public"):
        load_manifest(tmp_path)


@pytest.mark.parametrize("status", ["pending", "revoked"])
def test_unapproved_corpus_is_refused(tmp_path: Path, status: str) -> None:
    (tmp_path / "docs").mkdir()
    m = load_manifest(manifest(tmp_path, "x", {"path": "./docs"}, {"default": {"public": True}}, status=status))
    with pytest.raises(CorpusNotApprovedError, match=status):
        m.require_approved()


def test_globs() -> None:
    assert glob_match("drafts/a.md", "drafts/**")
    assert glob_match("x/drafts/a.md", "**/drafts/**")
    assert not glob_match("x/a.md", "*.md")
    assert glob_match("a.md", "**/*.md")


def test_cli_validate_lists_problems(tmp_path: Path) -> None:
    (tmp_path / "corpus.yaml").write_text("name: ok\nsource: {path: ./nope}\n")
    res = CliRunner().invoke(app, ["corpus", "validate", str(tmp_path)])
    assert res.exit_code == 1
    assert "acl: missing" in res.output and "owner" in res.output and "does not exist" in res.output
