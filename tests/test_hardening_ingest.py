"""Issue 18's ingestion items: links out of the corpus, ACL rules that match nothing, bad directory entries,
oversized files never read, text encodings, crash leftovers, a full disk, a busy index and CLI exit codes."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from index.access import access_filter
from index.edge import EdgeIndex
from ingest.manifest import load_manifest
from ingest.pipeline import IngestReport, ingest
from ingest.recovery import DiskFullError, recover
from kernel.errors import IndexBusyError, ManifestError
from kernel.settings import Settings
from kernel.store.catalogue import IntentRow
from kernel.types import Principal
from testing.docs import manifest
from wiring.services import Services

STAFF = Principal("emma", ("staff",))


def run(svc: Services, root: Path, settings: Settings | None = None) -> IngestReport:
    s = settings or svc.settings
    return ingest(load_manifest(root), s, svc.store, svc.index, svc.embedder, svc.bm25)


def texts(svc: Services, corpus: str, who: Principal = STAFF) -> str:
    """Everything of the corpus that `who` can read in the index, whatever the store says."""
    ids = [i for d in svc.store.catalogue.documents(corpus) for i in svc.index.point_ids(document_id=d.id)]
    return "\n".join(h.chunk.text for h in svc.index.retrieve(ids, access_filter(who)))


def test_links_out_of_the_corpus_are_not_followed(tmp_path: Path, services: Services) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (outside / "dir").mkdir()
    (outside / "dir" / "secret.md").write_text("# Secret\n\nThe vault code is 0000.\n")
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "ok.md").write_text("# Fine\n\nA normal page.\n")
    (root / "docs" / "passwd.md").symlink_to(outside / "passwd")
    (root / "docs" / "linked").symlink_to(outside / "dir")
    (root / "docs" / "inside.md").symlink_to(root / "docs" / "ok.md")
    manifest(root, "links", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    report = run(services, root)
    reasons = {f["source"]: f["reason"] for f in report.failures}
    assert "outside the corpus folder" in reasons["passwd.md"]
    assert "not followed" in reasons["linked"]
    text = texts(services, "links")
    assert "root:x:0:0" not in text and "vault code" not in text and "A normal page" in text


def test_an_acl_rule_that_matches_nothing_is_refused(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs" / "finance").mkdir(parents=True)
    (root / "docs" / "finance" / "q3.md").write_text("# Q3\n\nRevenue was 12 million.\n")
    manifest(root, "fin", {"path": "./docs"}, {"default": {"groups": ["staff"]},
                                                "rules": [{"match": "Finance/**", "groups": ["finance"]}]})
    with pytest.raises(ManifestError) as caught:
        run(services, root)
    assert "did you mean 'finance/**'" in str(caught.value)
    assert services.index.count(corpus="fin") == 0  # nothing reached the index under the default ACL
    cli = subprocess.run([sys.executable, "-m", "cli.main", "corpus", "validate", str(root)],
                         capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert cli.returncode == 1 and "matches no file" in cli.stderr and "finance/**" in cli.stderr


def test_a_bad_directory_entry_fails_alone(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "good.md").write_text("# Good\n\nThis page is fine.\n")
    # A name that is not UTF-8: Python maps the byte to a lone surrogate, which no store can hold.
    (docs / os.fsdecode(b"bad\xffname.md")).write_bytes(b"# Bad name\n\nStill text.\n")
    (docs / "dangling.md").symlink_to(docs / "nowhere.md")
    manifest(root, "names", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    report = run(services, root)
    reasons = {f["source"]: f["reason"] for f in report.failures}
    assert report.added == 1 and report.failed == 2
    assert any("not valid UTF-8" in r for r in reasons.values()) and "broken" in reasons["dangling.md"]
    job = services.store.catalogue.get_job(report.job_id)
    assert job.status == "done"


def test_an_oversized_file_is_never_read(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    with (root / "docs" / "huge.txt").open("wb") as fh:  # sparse: 3 GiB on paper, nothing on disk
        fh.truncate(3 << 30)
    manifest(root, "big", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = run(services, root)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert report.failures[0]["reason"].startswith("file_too_large")
    assert grown_mb < 500  # the old code read all 3 GiB to hash it


def test_latin1_text_and_quoted_image_urls_keep_their_content(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "menu.txt").write_bytes("Dessert of the day: crème brûlée.\n".encode("latin-1"))
    (root / "docs" / "page.md").write_text('# Page\n\nBefore ![logo](http://x/a"b.png) the rest of this '
                                           "paragraph must survive.\n")
    manifest(root, "enc", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    run(services, root)
    text = texts(services, "enc")
    assert "crème brûlée" in text
    assert "the rest of this paragraph must survive" in text


def test_a_crash_between_index_and_store_is_rolled_back_at_start(tmp_path: Path, services: Services,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n\nThe first version.\n")
    manifest(root, "crash", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    run(services, root)
    (root / "docs" / "a.md").write_text("# A\n\nThe second version, never committed.\n")

    def die(*_: object, **__: object) -> None:
        raise SystemExit("killed between the index write and the store commit")

    monkeypatch.setattr(services.store.catalogue, "record_indexed", die)
    with pytest.raises(SystemExit):
        run(services, root)
    assert "never committed" in texts(services, "crash")  # what the old code left searchable
    monkeypatch.undo()
    # While its writer lives, an intent is a commit in progress, not a crash: it is left alone.
    assert recover(services.store, services.index).documents_rolled_back == 0
    with services.store.db.session() as s:  # now the writer is gone
        s.execute(update(IntentRow).values(runner=f"{socket.gethostname()}:{_dead_pid()}"))
    rec = recover(services.store, services.index)
    assert rec.documents_rolled_back == 1 and rec.jobs_failed == 0
    assert "never committed" not in texts(services, "crash")
    again = run(services, root)
    assert again.updated == 1 and "never committed" in texts(services, "crash")


def _dead_pid() -> str:
    return subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()


def test_a_job_left_running_by_a_dead_process_is_marked_failed(services: Services) -> None:
    services.store.catalogue.create_job("j-dead", "x", status="running")
    services.store.catalogue.update_job("j-dead", runner=f"{socket.gethostname()}:{_dead_pid()}")
    assert recover(services.store, services.index).jobs_failed == 1
    job = services.store.catalogue.get_job("j-dead")
    assert job.status == "failed" and "stopped before it finished" in (job.error or "")


def test_a_full_disk_stops_ingest_with_a_clear_message(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n\nText.\n")
    manifest(root, "disk", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    full = services.settings.model_copy(update={"min_free_mb": 1 << 40})
    with pytest.raises(DiskFullError, match="MB free"):
        run(services, root, full)
    assert services.index.count(corpus="disk") == 0


def test_a_busy_embedded_index_names_its_holder(tmp_path: Path) -> None:
    first = EdgeIndex(tmp_path / "index", 8)
    try:
        with pytest.raises(IndexBusyError, match=f"pid {os.getpid()}"):
            EdgeIndex(tmp_path / "index", 8)
    finally:
        first.close()
    EdgeIndex(tmp_path / "index", 8).close()  # released on close


def test_cli_exit_codes(tmp_path: Path) -> None:
    env = {**os.environ, "CAIRN_DATA_DIR": str(tmp_path / ".cairn"), "COLUMNS": "200"}
    nope = subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(tmp_path / "NOPE")], capture_output=True,
                          text=True, env=env)
    assert nope.returncode == 1 and "does not exist" in nope.stderr and "Traceback" not in nope.stderr
    root = tmp_path / "c"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n\nFine.\n")
    (root / "docs" / "b.pdf").write_bytes(b"%PDF-1.4 not a pdf")
    manifest(root, "codes", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    some = subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(root), "--json"], capture_output=True,
                          text=True, env=env)
    assert some.returncode == 3, some.stderr[-2000:]


def test_failure_reasons_name_the_real_cause(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "c"
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "line.txt").write_text("word " * 600_000)  # 3 MB on one line: unstructured needed > 2 GB for it
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.4\n garbage \x00\x01")
    (docs / "deep.html").write_text("<div>" * 100_000 + "deep" + "</div>" * 100_000)
    (docs / "empty.md").write_text("")
    manifest(root, "why", {"path": "./docs"}, {"default": {"groups": ["staff"]}})
    report = run(services, root)
    reasons = {f["source"]: f["reason"] for f in report.failures}
    assert report.added == 1, reasons  # the long line is indexed, not refused as a "decompression bomb"
    assert "corrupt" in reasons["corrupt.pdf"] and "scanned" not in reasons["corrupt.pdf"]
    assert "nests too deeply" in reasons["deep.html"]
    assert "empty" in reasons["empty.md"]
    assert "word word word" in texts(services, "why")
