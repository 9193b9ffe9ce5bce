"""Answers on documentation the answer model never saw: the docs this machine's own packages install.

    .venv/bin/python bench/unseen_docs.py [--keep DIR] [--json]

Check C of the README (session 20). 27 files that Debian's packages put on this kind of machine — npm's Markdown
command and config pages (nodejs), pip's MyST and reST user docs (python3-pip), Valgrind's DocBook HTML guide,
FAQ and Memcheck manual (valgrind), two text PDFs (libtasn1-doc, shared-mime-info) and two Node.js pages with
pipe tables, one of them in a folder only the `release` group may read — are copied into a scratch corpus (not
into the repository: only borrowed here), ingested on the embedded default and asked 55 answerable questions,
4 of them asked again by a user without the `release` group (must abstain), and 6 near-miss questions the
files do not answer. The questions were written from the files before any was asked; a question counts as
right when the answer cites the expected file and holds an expected string.

Nothing here was fitted on: it is the out-of-sample check on documentation, beside the in-sample docs dev set.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

NPM = Path("/usr/lib/node_modules/npm/docs/content")
PIP = Path("/usr/share/doc/python3-pip/html")
VALGRIND = Path("/usr/share/doc/valgrind/html")
NODE = Path("/usr/share/doc/nodejs")

# (installed file, name in the corpus)
SOURCES: list[tuple[Path, str]] = [
    *[(NPM / "commands" / f"{n}.md", f"{n}.md") for n in
      ("npm-ci", "npm-install", "npm-publish", "npm-version", "npm-audit", "npm-run", "npm-link")],
    (NPM / "configuring-npm" / "npmrc.md", "npmrc.md"),
    (NPM / "configuring-npm" / "folders.md", "folders.md"),
    (NPM / "using-npm" / "scripts.md", "scripts.md"),
    (NPM / "using-npm" / "workspaces.md", "workspaces.md"),
    *[(PIP / "topics" / f, f"pip-{f.removesuffix('.gz')}") for f in
      ("authentication.md", "caching.md.gz", "configuration.md.gz", "https-certificates.md",
       "repeatable-installs.md", "secure-installs.md.gz", "vcs-support.md.gz")],
    (PIP / "reference" / "requirements-file-format.md.gz", "pip-requirements-file-format.md"),
    (PIP / "user_guide.rst.gz", "pip-user_guide.rst"),
    *[(VALGRIND / f, f) for f in ("quick-start.html", "faq.html", "mc-manual.html")],
    (Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"), "libtasn1.pdf"),
    (Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"), "shared-mime-info-spec.pdf"),
    (NODE / "contributing" / "diagnostic-tooling-support-tiers.md", "node-diagnostic-tooling-support-tiers.md"),
    (NODE / "BUILDING.md", "restricted/node-BUILDING.md"),
]

# (id, question, expected file (part of its name), expected strings (any), kind)
ANSWERABLE: list[tuple[str, str, str, list[str], str]] = [
    ("ci-nodemodules", "What does npm ci do if a node_modules folder is already there?", "npm-ci",
     ["automatically removed"], "fact"),
    ("ci-mismatch", "What happens with npm ci when package-lock.json doesn't match package.json?", "npm-ci",
     ["exit with an error"], "fact"),
    ("ci-travis", "How do I set up Travis CI to install with npm ci?", "npm-ci", ["- npm ci"], "code"),
    ("ver-prerelease", "What does npm version patch do to a prerelease version like 1.2.0-5?", "npm-version",
     ["becomes 1.2.0", "remove the prerelease suffix"], "fact"),
    ("ver-order", "In what order does npm version run its steps?", "npm-version",
     ["Run the `preversion` script", "Commit and tag"], "procedure"),
    ("ver-message", "How can I put the new version number into the commit message with npm version?",
     "npm-version", ["%s"], "code"),
    ("min-release-age", "What does the min-release-age setting do?", "npm-install",
     ["more than the given number of days ago"], "fact"),
    ("pre-script", "How do I make a script run automatically before my compress script?", "scripts",
     ["precompress", "\"pre\""], "code"),
    ("script-cwd", "From which directory are npm scripts run?", "scripts", ["root of the package folder"], "fact"),
    ("init-cwd", "Which environment variable tells a script the directory I ran npm run from?", "scripts",
     ["INIT_CWD"], "fact"),
    ("uninstall-scripts", "Can I use uninstall lifecycle scripts in npm?", "scripts",
     ["not implemented", "npm v7 does not"], "fact"),
    ("audit-level", "How do I make npm audit fail only for moderate or higher vulnerabilities?", "npm-audit",
     ["--audit-level=moderate"], "code"),
    ("audit-exit", "What exit code does npm audit give when no vulnerabilities are found?", "npm-audit",
     ["0 exit code"], "number"),
    ("npmignore", "If both .gitignore and .npmignore exist, which one does npm publish use?", "npm-publish",
     [".npmignore is used"], "fact"),
    ("pack-dry", "How can I see which files will go into my package before publishing?", "npm-publish",
     ["npm pack --dry-run"], "fact"),
    ("publish-tag", "What dist-tag does npm publish add by default?", "npm-publish", ["latest"], "fact"),
    ("restricted-access", "How do I stop my scoped package from being publicly visible?", "npm-publish",
     ["--access=restricted"], "fact"),
    ("npmrc-user", "Where is the per-user npm config file?", "npmrc", ["$HOME/.npmrc", "~/.npmrc"], "fact"),
    ("npmrc-comment", "How do I write a comment in an .npmrc file?", "npmrc", ["; or #"], "fact"),
    ("symlinks", "Are symbolic links included in npm packages?", "npm-publish", ["never included"], "fact"),
    ("pip-cache-linux", "Where does pip keep its cache on Linux?", "pip-caching", ["~/.cache/pip"], "fact"),
    ("pip-no-cache", "How do I turn off pip's cache?", "pip-caching", ["--no-cache-dir"], "fact"),
    ("pip-cache-remove", "How do I remove the cached setuptools wheels from pip's cache?", "pip-caching",
     ["pip cache remove setuptools"], "code"),
    ("pip-weak-hash", "Which hash algorithms can't be used in pip's hash-checking mode?", "pip-secure",
     ["md5, sha1, and sha224"], "fact"),
    ("pip-require-hashes", "How do I force pip to check hashes?", "pip-secure", ["--require-hashes"], "fact"),
    ("pip-env-req", "How do I use an environment variable inside a requirements file?", "pip-requirements",
     ["${API_TOKEN}", "POSIX format"], "fact"),
    ("pip-cert", "How do I tell pip to use a different certificate bundle?", "pip-https", ["--cert"], "fact"),
    ("pip-truststore", "What do I need to use the system certificate store with pip?", "pip-https",
     ["truststore"], "procedure"),
    ("pip-percent", "My index password contains slashes. How do I write it in the URL?", "pip-authentication",
     ["percent-encoded", "he%2F%2Fo"], "two-sentence"),
    ("pip-proxy", "How do I make pip go through a proxy server?", "pip-user_guide", ["--proxy"], "procedure"),
    ("vg-slow", "How much slower does a program run under Memcheck?", "quick-start", ["20 to 30 times"], "number"),
    ("vg-cmd", "What command do I use to run my program under Memcheck?", "quick-start",
     ["valgrind --leak-check=yes myprog"], "code"),
    ("vg-opt", "Which optimisation level should I compile with for Memcheck?", "quick-start", ["-O0", "-O2"],
     "two-sentence"),
    ("vg-origins", "How do I find out where an uninitialised value came from?", "quick-start",
     ["--track-origins=yes"], "fact"),
    ("vg-probably", "What does \"probably lost\" mean in a Memcheck leak report?", "quick-start",
     ["unless you're", "funny things with pointers"], "fact"),
    ("vg-stack", "Can Memcheck detect out-of-range writes to arrays on the stack?", "quick-start",
     ["can't detect out-of-range"], "fact"),
    ("vg-lc", "Building Valgrind fails with 'cannot find -lc'. What do I install?", "faq",
     ["glibc-static-devel"], "fact"),
    ("vg-jit", "How do I run a Java program with a JIT under Valgrind?", "faq", ["--smc-check=all"], "fact"),
    ("vg-name", "Where does the name Valgrind come from?", "faq", ["entrance to Valhalla"], "fact"),
    ("vg-stl", "Which environment variable makes the STL of GCC 3.4 free memory right away?", "faq",
     ["GLIBCXX_FORCE_NEW"], "fact"),
    ("node-clinic", "Is node-clinic tested regularly in the Node.js CI?", "diagnostic-tooling", ["node-clinic"],
     "table"),
    ("node-heap", "What is the target tier of the V8 heap profiler?", "diagnostic-tooling", ["V8 heap profiler"],
     "table"),
    ("mime-weight", "What is the default weight of a glob pattern in the shared MIME database?", "shared-mime",
     ["default weight value is 50", "default weight value is\n50"], "pdf"),
    ("mime-update", "What command must an application run after installing its MIME XML file?", "shared-mime",
     ["update-mime-database"], "pdf"),
    ("mime-override", "Which file takes precedence over all other files in a packages directory?", "shared-mime",
     ["Override.xml"], "pdf"),
    ("mime-generic-icon", "How is a type's generic icon chosen when no generic-icon element is given?",
     "shared-mime", ["-x-generic"], "pdf"),
    ("mime-midi", "What is the alias of audio/midi?", "shared-mime", ["audio/x-midi"], "pdf"),
    ("tasn-comments", "How do I write comments in libtasn1's ASN.1 syntax?", "libtasn1", ["begin with --"], "pdf"),
    ("tasn-real", "Does libtasn1 support the REAL type?", "libtasn1",
     ["doesn’t handle the REAL type", "doesn't handle the REAL type"], "pdf"),
    ("tasn-header", "What is the header file of libtasn1?", "libtasn1", ["libtasn1.h"], "pdf"),
    ("tasn-size", "Does libtasn1 check SIZE constraints?", "libtasn1", ["no check is done"], "pdf"),
]
# Answered only by the restricted folder: asked by a `release` member (answer), then by one who is not (abstain).
RESTRICTED: list[tuple[str, str, str, list[str], str]] = [
    ("node-tier2", "What happens to a release when tests fail on a tier 2 platform?", "BUILDING",
     ["will block releases"], "two-sentence"),
    ("node-gcc", "Which GCC version do I need to build Node.js on Linux?", "BUILDING", ["GCC >= 10.1"], "table"),
    ("node-mac-arm", "What support tier is macOS on arm64?", "BUILDING", ["Tier 1"], "table"),
    ("node-arm64-bin", "What are the linux-arm64 binaries built on?", "BUILDING", ["RHEL 8 with GCC 10"], "table"),
]
UNANSWERABLE: list[tuple[str, str]] = [
    ("u-npm-downgrade", "How do I downgrade npm itself to an older version?"),
    ("u-vg-windows", "Can I run Valgrind on Windows?"),
    ("u-pypi-upload", "How do I upload my Python package to PyPI?"),
    ("u-pip-parallel", "How many parallel downloads does pip use?"),
    ("u-npm-2fa", "How do I turn on two-factor authentication for my npm account?"),
    ("u-vg-threads", "How do I check my program for data races with Valgrind?"),
]

MANIFEST = """name: unseen
description: Documentation this machine's packages install (bench/unseen_docs.py)
owner: bench@example.com
source:
  path: ./docs
acl:
  default: {groups: [staff]}
  rules:
    - match: "restricted/**"
      groups: [release]
approval:
  status: approved
  by: bench@example.com
  at: 2026-11-30T00:00:00Z
"""


def build_corpus(root: Path) -> None:
    missing = [str(src) for src, _ in SOURCES if not src.exists()]
    if missing:
        raise SystemExit("missing on this machine (Debian packages nodejs/npm, python3-pip, valgrind, libtasn1-doc, "
                         "shared-mime-info):\n  " + "\n  ".join(missing))
    for src, name in SOURCES:
        dest = root / "docs" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".gz":
            dest.write_bytes(gzip.decompress(src.read_bytes()))
        else:
            shutil.copyfile(src, dest)
    (root / "corpus.yaml").write_text(MANIFEST)


def right(ans: dict[str, Any], file: str, expect: list[str]) -> bool:
    text = str(ans.get("answer", "")).lower()
    cited = [str(c.get("document_id", "")) for c in ans.get("citations", [])]
    return (not ans.get("abstained") and any(file.lower() in c.lower() for c in cited)
            and any(e.lower() in text for e in expect))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", type=Path, help="build the corpus and data dir here and keep them")
    ap.add_argument("--json", action="store_true", help="one JSON line per question, then the summary")
    args = ap.parse_args()
    from ingest.manifest import load_manifest
    from ingest.pipeline import ingest
    from kernel.settings import Settings
    from kernel.types import Principal
    from wiring.agents import Agents
    from wiring.services import Services, offline_environment

    offline_environment()
    root = args.keep or Path(tempfile.mkdtemp(prefix="cairn-unseen-"))
    build_corpus(root)
    settings = Settings(data_dir=root / "data")
    svc = Services.open(settings, rerank=False)
    rows: list[dict[str, Any]] = []
    try:
        report = ingest(load_manifest(root), settings, svc.store, svc.index, svc.embedder, svc.bm25)
        print(f"ingested {report.added + report.updated} files ({report.chunks_written} chunks)")
        agents = Agents(svc)
        staff, release = Principal("u-staff", ("staff",)), Principal("u-release", ("staff", "release"))

        def ask(question: str, who: Principal) -> dict[str, Any]:
            return dict(agents.for_user(who).ask(question, who, save=False).cli_json())

        for qid, question, file, expect, kind in ANSWERABLE:
            a = ask(question, staff)
            rows.append({"id": qid, "kind": kind, "ok": right(a, file, expect), "answer": a["answer"]})
        for qid, question, file, expect, kind in RESTRICTED:
            a = ask(question, release)
            rows.append({"id": qid, "kind": kind, "ok": right(a, file, expect), "answer": a["answer"]})
            a = ask(question, staff)
            rows.append({"id": f"{qid}-denied", "kind": "restricted", "ok": bool(a["abstained"]),
                         "answer": a["answer"]})
        for qid, question in UNANSWERABLE:
            a = ask(question, staff)
            rows.append({"id": qid, "kind": "unanswerable", "ok": bool(a["abstained"]), "answer": a["answer"]})
    finally:
        svc.close()
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        by_kind[r["kind"]][0] += int(r["ok"])
        by_kind[r["kind"]][1] += 1
        if args.json:
            print(json.dumps(r))
        elif not r["ok"]:
            print(f"  miss {r['id']:20s} {str(r['answer'])[:110]!r}")
    answerable = [r for r in rows if r["kind"] not in ("restricted", "unanswerable")]
    summary = {"answerable_right": f"{sum(r['ok'] for r in answerable)}/{len(answerable)}",
               "by_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_kind.items())}}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
