"""The CLI through a running server (--server / CAIRN_SERVER_URL): no embedded index is opened, so it never
meets the server's single-writer lock; the API key decides who the caller is."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from tests.handbook_api import Api


def run(api: Api, who: str, args: list[str]) -> tuple[int, str, str]:
    # The data dir is the server's own: a local command there would stop at the index lock.
    env = {"CAIRN_SERVER_URL": api.live.url, "CAIRN_API_KEY": api.keys[who],
           "CAIRN_DATA_DIR": str(api.settings.data_dir)}
    res = CliRunner().invoke(app, args, env=env)
    return res.exit_code, res.stdout, res.stderr


def test_search_and_ask_run_as_the_keys_owner(api: Api) -> None:
    code, out, _ = run(api, "user", ["search", "When are salaries reviewed?", "--json"])
    assert code == 0 and "handbook/hr/salaries.md" not in {r["document_id"] for r in json.loads(out)["results"]}
    code, out, _ = run(api, "hr_user", ["search", "When are salaries reviewed?", "--json"])
    assert code == 0 and json.loads(out)["results"][0]["document_id"] == "handbook/hr/salaries.md"
    code, out, _ = run(api, "user", ["ask", "How many days of paid leave do employees get?", "--json"])
    ans = json.loads(out)
    assert code == 0 and "25 days" in ans["answer"] and ans["citations"][0]["document_id"] == "handbook/leave.md"
    code, _, err = run(api, "user", ["ask", "anything?", "--user", "ann"])
    assert code == 2 and "--user" in err


def test_ingest_and_corpus_commands_go_through_the_server(api: Api) -> None:
    code, out, _ = run(api, "curator", ["ingest", "handbook", "--json"])
    report = json.loads(out)
    assert code == 0 and report["documents"]["failed"] == 0 and report["documents"]["unchanged"] >= 2
    code, out, _ = run(api, "curator", ["corpus", "list", "--json"])
    assert code == 0 and "handbook" in {c["name"] for c in json.loads(out)["corpora"]}
    code, _, err = run(api, "user", ["corpus", "list"])
    assert code == 1 and "403" in err
    code, _, err = run(api, "curator", ["ingest", "no-such-corpus"])
    assert code == 1 and "404" in err


def test_an_unreachable_server_is_one_line(api: Api) -> None:
    res = CliRunner().invoke(app, ["ask", "x?"], env={"CAIRN_SERVER_URL": "http://127.0.0.1:9",
                                                      "CAIRN_API_KEY": "cairn_x"})
    assert res.exit_code == 1 and res.stderr.count("\n") == 1
    res = CliRunner().invoke(app, ["ask", "x?"], env={"CAIRN_SERVER_URL": api.live.url})
    assert res.exit_code == 2 and "API key" in res.stderr
