"""CLI conventions: --version, --json on every reporting command, validated roles, no secret in an error."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from testing.docs import manifest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CAIRN_DATA_DIR": str(tmp_path / ".cairn")}


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, args, env=env)
    return res.exit_code, res.stdout, res.stderr


def test_version(env: dict[str, str]) -> None:
    code, out, _ = run(["--version"], env)
    assert code == 0 and out.strip() == f"cairn {version('cairn-kb')}"


def test_keys_create_and_revoke_report_json(env: dict[str, str]) -> None:
    code, out, _ = run(["keys", "create", "--user", "ann", "--role", "curator", "--groups", "a,b", "--json"], env)
    made = json.loads(out)
    assert code == 0 and made["key"].startswith("cairn_") and made["groups"] == ["a", "b"]
    code, out, _ = run(["keys", "revoke", made["id"], "--json"], env)
    assert code == 0 and json.loads(out) == {"id": made["id"], "revoked": True}
    code, out, _ = run(["keys", "revoke", made["id"], "--json"], env)
    assert code == 1 and json.loads(out)["revoked"] is False


def test_an_unknown_role_is_refused(env: dict[str, str]) -> None:
    code, _, err = run(["keys", "create", "--user", "ann", "--role", "superuser"], env)
    assert code == 2 and "superuser" in err
    code, out, _ = run(["keys", "list", "--json"], env)
    assert json.loads(out) == {"keys": []}


def test_corpus_validate_and_revoke_report_json(tmp_path: Path, env: dict[str, str]) -> None:
    root = tmp_path / "corpus"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n\nSome text.\n")
    manifest(root, "demo", {"path": "./docs", "include": ["**/*.md", "**/*.rst"]}, {"default": {"groups": ["g"]}})
    code, out, _ = run(["corpus", "validate", str(root), "--json"], env)
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["name"] == "demo" and report["warnings"]
    (root / "corpus.yaml").write_text("name: demo\n")
    code, out, _ = run(["corpus", "validate", str(root), "--json"], env)
    assert code == 1 and json.loads(out)["ok"] is False and json.loads(out)["problems"]
    code, out, _ = run(["corpus", "revoke", "nope", "--json"], env)
    assert code == 1


def test_invalid_provider_settings_never_print_the_api_key(env: dict[str, str]) -> None:
    bad = json.dumps([{"name": "p", "base_url": "http://x", "model": "m", "api_key": "sk-live-SECRET123456789",
                       "timeout_s": -1}])
    code, out, err = run(["corpus", "list"], {**env, "CAIRN_LLM_PROVIDERS": bad})
    assert code == 2 and "CAIRN_LLM_PROVIDERS" in err and "timeout_s" in err
    assert "SECRET123456789" not in out + err


def test_serve_has_no_workers_option_it_would_ignore(env: dict[str, str]) -> None:
    code, _, err = run(["serve", "--workers", "2"], env)
    assert code == 2 and "--workers" in err


def test_ingest_and_revoke_load_no_cross_encoder(tmp_path: Path, env: dict[str, str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from models.cross_encoder import OnnxCrossEncoder

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a cross-encoder was loaded")

    monkeypatch.setattr(OnnxCrossEncoder, "__init__", refuse)
    root = tmp_path / "corpus"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n\nSome text about leave.\n")
    manifest(root, "demo", {"path": "./docs"}, {"default": {"groups": ["g"]}})
    # Even with search reranking configured: ingesting and revoking never search.
    code, out, err = run(["ingest", str(root), "--json"], {**env, "CAIRN_TORCH_THREADS": "1", "CAIRN_RERANK": "true"})
    assert code == 0 and json.loads(out)["documents"]["added"] == 1, err
    code, out, err = run(["search", "leave", "--user", "u", "--groups", "g", "--json"], env)
    assert code == 0 and json.loads(out)["results"], err
    code, out, err = run(["corpus", "revoke", "demo", "--json"], {**env, "CAIRN_RERANK": "true"})
    assert code == 0 and json.loads(out)["documents_removed"] == 1, err


def test_a_corpus_revoked_by_the_cli_stays_out_until_approved_again(tmp_path: Path, env: dict[str, str]) -> None:
    root = tmp_path / "corpus"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n\nSome text about leave.\n")
    manifest(root, "demo", {"path": "./docs"}, {"default": {"groups": ["g"]}})
    env = {**env, "CAIRN_TORCH_THREADS": "1"}
    assert run(["ingest", str(root), "--json"], env)[0] == 0
    assert run(["corpus", "revoke", "demo", "--json"], env)[0] == 0
    code, _, err = run(["ingest", str(root)], env)  # the old revoke left the manifest approved: re-ingested
    assert code == 1 and "revoked" in err
    code, out, _ = run(["corpus", "list", "--json"], env)
    assert json.loads(out)["corpora"][0]["status"] == "revoked" and json.loads(out)["corpora"][0]["documents"] == 0
