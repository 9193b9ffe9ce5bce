"""Answers on documentation the answer model never saw: the docs this machine's own packages install.

    .venv/bin/python bench/unseen_docs.py [--set packages|node-api|node-api-pdf|ninja|undici|readmes|sqlite|debian|
                                          handbooks|papers|kb|company|wpcli|gdsway|playbook|poetry|flaskpip|pypa|
                                          click|morepapers|mattermost|artsy|moj|dxw|starlette|
                                          prometheus|uvicorn|restic]
                                          [--papers DIR] [--kb DIR] [--company DIR] [--wpcli DIR] [--gdsway DIR]
                                          [--playbook DIR] [--poetry DIR] [--flaskpip DIR] [--pypa DIR] [--click DIR]
                                          [--mattermost DIR] [--artsy DIR] [--moj DIR] [--dxw DIR]
                                          [--starlette DIR] [--prometheus DIR] [--uvicorn DIR] [--restic DIR]
                                          [--keep DIR]
                                          [--log FILE]

Check C of the README (session 20). 27 files that Debian's packages put on this kind of machine — npm's Markdown
command and config pages (nodejs), pip's MyST and reST user docs (python3-pip), Valgrind's DocBook HTML guide,
FAQ and Memcheck manual (valgrind), two text PDFs (libtasn1-doc, shared-mime-info) and two Node.js pages with
pipe tables, one of them in a folder only the `people-ops` group may read — are copied into a scratch corpus
(never into the repository: only borrowed here) and run through the docs suite (`eval.docs_suite.run_docs`:
real ingestion on the embedded default, the same judge and report) with the questions of
bench/unseen_docs.yaml: 51 answerable, 4 answered only by the restricted folder, 6 near-misses the files do not
answer.

Check D (`--set node-api`, session 24): Node.js's API reference, the 64 HTML pages its own generator writes
(nodejs installs them; the one-page `all.html` left out), with the 22 questions of bench/unseen_docs_node.yaml:
18 answerable, 4 near-misses.

Check D as PDF (`--set node-api-pdf`, session 25): the 8 pages check D asks about and 9 more, printed to PDF
by Chromium (headless, its default margins), with the same questions. Printed pages break paragraphs and code
blocks at page ends, which the HTML form does not.

Check E (`--set ninja`, session 34): Ninja's manual (one AsciiDoc HTML page), Expat's reference and
smartmontools' bad-block HOWTO (DocBook HTML), with the 19 questions of bench/unseen_docs_ninja.yaml: 16
answerable, 3 near-misses.

Check F (`--set undici`, session 34): undici's Markdown API reference (12 pages, as npm bundles it), CMake's
cmake(1) and cmake-buildsystem(7) manuals (reST) and systemd's UIDS-GIDS.md, with the 18 questions of
bench/unseen_docs_f.yaml: 15 answerable, 3 near-misses.

Check G (`--set readmes`, session 34): the Markdown READMEs of four Python packages the venv installs
(python-dotenv, uvicorn, redis, aiofiles: each METADATA's long description), with the 18 questions of
bench/unseen_docs_g.yaml: 15 answerable, 3 near-misses.

Check H (`--set sqlite`, session 35): six pages of SQLite's HTML documentation (sqlite3-doc), six of
PostgreSQL's HTML manual (postgresql-doc-15) and the R FAQ as the PDF R's build typesets (r-doc-pdf), with the 28
questions of bench/unseen_docs_h.yaml: 24 answerable, 4 near-misses. Tables, limits and command examples, as a
developer asks about a database.

Check I (`--set debian`, session 36): the Debian Developer's Reference as the PDF Sphinx typesets (114 pages,
developers-reference), three chapters of the Debian Policy Manual as Sphinx HTML (debian-policy) and four pages of
Apache httpd's manual (apache2-doc), with the 42 questions of bench/unseen_docs_i.yaml: 37 answerable, 5
near-misses. Procedures and rules, as a maintainer or an administrator asks them.

Check J (`--set handbooks`, session 37): four Python HOWTOs as Sphinx HTML (python3-doc), four sections of the
Debian Administrator's Handbook as Publican HTML (debian-handbook), the GNU maintainers' handbook as one Texinfo
HTML page (gnu-standards), R's "Data Import/Export" manual as the PDF Texinfo typesets (r-doc-pdf) and SQLite's
copyright release form as PDF (sqlite3-doc), with the 50 questions of bench/unseen_docs_j.yaml: 44 answerable,
6 near-misses. Handbooks and how-tos, as an employee, an administrator or a developer asks them.

Check K (`--set papers --papers DIR`, session 38): eight systems papers as the text PDFs their authors published
(Bigtable, MapReduce, the Google File System, Dynamo, Chain Replication, Live Migration of Virtual Machines,
Lampson's Hints for Computer System Design, Megastore), read from DIR, a clone of papers-we-love/papers-we-love
(github; at 47567e0 when written), with the 34 questions of bench/unseen_docs_k.yaml: 30 answerable, 4
near-misses. Two-column pages, TeX ligatures in fonts embedded without an encoding, plots of many points. The one
check whose files no Debian package installs: clone that repository first.

Check L (`--set kb --kb DIR`, session 40): a company knowledge base like the issue's, from pages of the sources the
docs dev set draws on that the dev set does not hold — nine pages of 18F's handbook (two more, on offboarding and
reasonable accommodations, in a `people-ops/` folder only that group may read), seven of httpx's docs, Google's
shell (Markdown) and Java (HTML) style guides — and two text PDFs Debian installs (the FHS 3.0 from
debian-policy, fontconfig's user manual), with the 61 questions of bench/unseen_docs_l.yaml: 52 answerable, 4
answered only by the restricted folder, 5 near-misses. DIR holds checkouts of github.com/18F/handbook as handbook/,
github.com/google/styleguide as styleguide/ and github.com/encode/httpx as httpx/ (at 1e49556, 8487c08 and ae1b9f6
when written).

Check M (`--set company --company DIR`, session 41): two companies' public handbooks no earlier check read — seven
pages of 37signals' employee handbook (benefits, devices, internal systems, onboarding, moonlighting, state leave)
and eight of Sourcegraph's (time off, spending, backporting, on-call, cluster access, pull requests, a support
cheat sheet of pipe tables), a severance page and a compensation-change page (tables, an FAQ) in the restricted
`people-ops/` folder — with the 72 questions of bench/unseen_docs_m.yaml: 62 answerable, 4 answered only by the
restricted folder, 6 near-misses. DIR holds checkouts of github.com/basecamp/handbook as basecamp/ and
github.com/sourcegraph/handbook as sourcegraph/ (at c953606 and 5752928 when written).

Check N (`--set wpcli --wpcli DIR`, session 42): nine pages of WP-CLI's handbook (installing, common issues,
configuration, exit codes, remote commands, verifying downloads, three how-tos), dense with product and platform
names, with the 40 questions of bench/unseen_docs_n.yaml: 33 answerable, 7 near-misses (four naming what the pages
never do). DIR is a checkout of github.com/wp-cli/handbook (at 097b463 when written).

Check O (`--set gdsway --gdsway DIR`, session 43): eleven pages of the GDS Way, the UK Government Digital Service's
engineering handbook (incident priorities and steps, logging, alerting, SLOs with a raw-HTML table, Git, AWS tagging,
Python and Dockerfile guidance, browsers; credentials in the restricted folder), with the 58 questions of
bench/unseen_docs_o.yaml: 46 answerable, 3 restricted, 9 near-misses (five naming what the pages never do). The
pages are Middleman templates (`*.html.md.erb`): each is rendered as the site renders it — front matter off, its
title into the heading, a warning box's text kept. DIR is a checkout of github.com/alphagov/gds-way (at 627911c when
written).

Check P (`--set playbook --playbook DIR`, session 44): eleven pages of Microsoft's Code With Engineering Playbook
(pull requests, branch names, merges, definition of done, Python and Bash code reviews, credential scanning,
correlation IDs, versioning with a table, agile ceremonies, Git guidance; the security rules of engagement in the
restricted folder) and three reStructuredText pages of Requests' user guide, with the 69 questions of
bench/unseen_docs_p.yaml: 56 answerable, 3 restricted, 10 near-misses (six naming what the pages never do). DIR holds
checkouts of github.com/microsoft/code-with-engineering-playbook as playbook/ (at 016770e when written) and
github.com/psf/requests as requests/ (at 1f6589e).

Check Q (`--set poetry --poetry DIR`, session 44): five pages of Poetry's documentation (environments, dependency
groups, libraries, pre-commit hooks, the FAQ; Markdown with Hugo shortcodes) and three of MkDocs' (getting started,
installation, deploying), Poetry's contributing guide in the restricted folder, with the 44 questions of
bench/unseen_docs_q.yaml: 34 answerable, 2 restricted, 8 near-misses. Written after session 44's rules, before its
first run: those rules' out-of-sample check. DIR holds checkouts of github.com/python-poetry/poetry as poetry/ (at
f467023 when written) and github.com/mkdocs/mkdocs as mkdocs/ (at 2862536).

Checks R, S and T (`--set flaskpip --flaskpip DIR`, `--set pypa --pypa DIR`, `--set click --click DIR`, session
46): Flask's reST pages and pip's MyST pages (bench/unseen_docs_r.yaml, 75 questions), the Python Packaging User
Guide's reST guides and Black's MyST pages (bench/unseen_docs_s.yaml, 56), Click's MyST pages
(bench/unseen_docs_t.yaml, 31); each with a page in the restricted folder.

Check U (`--set morepapers --papers DIR`, session 47): six more systems papers as text PDFs (Spanner, TAO, Chubby,
ZooKeeper, the UNIX time-sharing system, Paxos Made Simple) and End-to-End Arguments in the restricted folder, with
the 40 questions of bench/unseen_docs_u.yaml: 33 answerable, 2 restricted, 5 near-misses (and the restricted ones
asked again by a member). Written from pypdf's text of the PDFs, after session 47's PDF fixes and before its first
run: their out-of-sample check.

Check V (`--set mattermost --mattermost DIR`, session 48): a company knowledge base no earlier check read — eight
pages of Mattermost's handbook (GitBook Markdown: travel, a corporate card, currency rates, a lost phone, bug
severity, on-call set-up, release tips, Jira ticket states), its consulting agreement as the PDF Word's PDFMaker
wrote, thoughtbot's Git and Postgres guides and git's gitignore(5) as the AsciiDoc HTML git-doc installs, the interns'
expense page in the restricted folder — with the 47 questions of bench/unseen_docs_v.yaml: 40 answerable, 2
restricted, 5 near-misses. Written before its first run: the held-back check of session 48's changes. DIR holds
checkouts of github.com/mattermost/mattermost-handbook as mattermost/ (at 46d7a8b when written) and
github.com/thoughtbot/guides as thoughtbot/ (at 640b2cb).

Check W (`--set artsy --artsy DIR`, session 49): a company knowledge base no earlier check read — ten pages of
Artsy's engineering handbook (deployments, data migrations, system criticality levels with a table of HTML lists in
Markdown, retrospectives, renaming master to main, version managers, a Redis migration, open standup, an on-call
incident review RFC, Hokusai) and its technology radar as CSV, Nettle's manual as the PDF Texinfo typesets (111 pages,
nettle-dev) and git's githooks(5) as the AsciiDoc HTML git-doc installs, the interview guide in the restricted
folder — with the 61 questions of bench/unseen_docs_w.yaml: 54 answerable, 2 restricted, 5 near-misses. Written
before its first run: the held-back check of session 49's changes. DIR is a checkout of github.com/artsy/README (at
61095ad when written).

Check X (`--set moj --moj DIR`, session 50): an operations knowledge base no earlier check read — eight pages of the
Ministry of Justice's Cloud Platform user guide (connecting kubectl, namespace limits, support, operational processes
with a raw-HTML notice, cron jobs, a maintenance page, troubleshooting, secrets) and three of its technical guidance
(out-of-hours support, code freezes, naming things), all Middleman templates rendered as check O's are, two pages of
Apache httpd's manual as HTML (stopping and restarting; the reverse proxy guide, with a table of status flags) and R's
"R Installation and Administration" as the PDF Texinfo typesets (r-doc-pdf), the security engagement page in the
restricted folder — with the 64 questions of bench/unseen_docs_x.yaml: 57 answerable, 2 restricted, 5 near-misses.
Written before its first run: the held-back check of session 50's changes. DIR holds checkouts of
github.com/ministryofjustice/cloud-platform-user-guide (at 4f449c7 when written) and
github.com/ministryofjustice/technical-guidance (at d0f7e2a).

Check Y (`--set dxw --dxw DIR`, session 51): a staff handbook no earlier check read — thirteen pages of dxw's playbook
as the Jekyll Markdown they are written in (holiday, TOIL, sabbaticals, personal and compassionate leave, expenses
with a list of accounts, working securely, pension, cycle to work, support and on call, hotfixing, trusted devices,
dealing with an incident), its sickness and travel policies rendered to HTML and printed to PDF by headless Chromium,
the Debian Administrator's Handbook's "Remote Login" section as Publican HTML (debian-handbook), the redundancy
procedure in the restricted folder — with the 81 questions of bench/unseen_docs_y.yaml: 73 answerable, 2 restricted,
6 near-misses. Written before its first run: the held-back check of session 51's changes. DIR is a checkout of
github.com/dxw/playbook (at 0c7fc5f when written).

Check Z (`--set starlette --starlette DIR`, session 52): two sources no earlier check read — three of GitHub's Open
Source Guides as the Jekyll Markdown they are written in, <aside> quote blocks and all (code of conduct, metrics,
security best practices), two more rendered to HTML and printed to PDF by headless Chromium (leadership and
governance, getting paid), eight pages of Starlette's MkDocs Markdown (config, background tasks, static files,
lifespan, requests, the test client, routing, middleware), two pages of the Python library reference as Sphinx HTML
(python3-doc: zipapp, and struct with its tables), the guide's legal article in the restricted folder — with the 99
questions of bench/unseen_docs_z.yaml: 90 answerable, 2 restricted, 7 near-misses. Written before its first run: the
held-back check of session 52's changes. DIR holds checkouts of github.com/github/opensource.guide as
opensource.guide/ (at ebc9678 when written) and github.com/encode/starlette as starlette/ (at cb8f84f).

Check AA (`--set prometheus --prometheus DIR`, session 53): two sources no earlier check read — nine pages of
Prometheus's documentation as the Markdown they are written in (metric and label naming with its base-unit table,
alerting, instrumentation, the FAQ, metric types, the basic-auth, query-log, TLS and file-based service discovery
guides), two more rendered to HTML and printed to PDF by headless Chromium (recording rules, when to use the
Pushgateway), three chapters of Celery's reStructuredText user guide (periodic tasks with its grid tables,
daemonization, optimizing), Python's venv page as Sphinx HTML (python3-doc) with its table of activation commands, and
Prometheus's security model in the restricted folder — with the 111 questions of bench/unseen_docs_aa.yaml: 101
answerable, 2 restricted, 8 near-misses. Written before its first run: the held-back check of session 53's changes.
DIR holds checkouts of github.com/prometheus/docs as prometheus/ (at c105550 when written) and github.com/celery/celery
as celery/ (at 5dc781f).

Check AB (`--set uvicorn --uvicorn DIR`, session 54): pages no earlier check read — five pages of Uvicorn's
documentation as the MkDocs Markdown they are written in (the settings reference, deployment, installation with its
tabbed commands, the Dockerfile guide, lifespan), its server-behaviour page printed to PDF by headless Chromium, and
six pages of Django 3.2's documentation as Sphinx HTML (python-django-doc: the deployment checklist, cryptographic
signing, pagination, CSV output, error reporting, the messages framework with its tables of levels), Django's security
overview in the restricted folder — with the 168 questions of bench/unseen_docs_ab.yaml: 158 answerable, 2
restricted, 8 near-misses. Written before its first run: the held-back check of session 54's changes. DIR holds a
checkout of github.com/encode/uvicorn as uvicorn/ (at e6c7ce7 when written).

Check AC (`--set restic --restic DIR`, session 55): three kinds of documentation no earlier check read — four chapters
of restic's reStructuredText manual (backing up, tuning parameters, removing snapshots with its prune options, the FAQ),
five pages of Fluent Bit's documentation as the GitBook Markdown they are written in (`{% hint %}` and `{% tabs %}`
blocks; the grep and modify filters with their tables of rules and conditions, buffering, backpressure, the HTTP proxy),
its scheduling-and-retries page printed to PDF by headless Chromium, and two of Postfix's hand-written HTML READMEs
(Debian's postfix-doc: basic configuration, the debugging howto), restic's encryption chapter in the restricted folder —
with the 237 questions of bench/unseen_docs_ac.yaml: 227 answerable, 2 restricted, 8 near-misses. Written before its
first run: the held-back check of session 55's changes. DIR holds checkouts of github.com/restic/restic as restic/ (at
a80be14 when written) and github.com/fluent/fluent-bit-docs as fluent-bit/ (at f92ae08).

Nothing here was fitted on: it is the out-of-sample check on documentation, beside the in-sample docs dev set.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import shutil
import tempfile
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
    (NODE / "BUILDING.md", "people-ops/node-BUILDING.md"),
]

NODE_API = NODE / "api"
# Each set's questions, beside this script.
QUESTION_FILES = {"packages": "unseen_docs.yaml", "node-api": "unseen_docs_node.yaml",
                  "node-api-pdf": "unseen_docs_node.yaml", "ninja": "unseen_docs_ninja.yaml",
                  "undici": "unseen_docs_f.yaml", "readmes": "unseen_docs_g.yaml",
                  "sqlite": "unseen_docs_h.yaml", "debian": "unseen_docs_i.yaml",
                  "handbooks": "unseen_docs_j.yaml", "papers": "unseen_docs_k.yaml",
                  "kb": "unseen_docs_l.yaml", "company": "unseen_docs_m.yaml", "wpcli": "unseen_docs_n.yaml",
                  "gdsway": "unseen_docs_o.yaml", "playbook": "unseen_docs_p.yaml", "poetry": "unseen_docs_q.yaml",
                  "flaskpip": "unseen_docs_r.yaml", "pypa": "unseen_docs_s.yaml",
                  "click": "unseen_docs_t.yaml", "morepapers": "unseen_docs_u.yaml",
                  "mattermost": "unseen_docs_v.yaml", "artsy": "unseen_docs_w.yaml",
                  "moj": "unseen_docs_x.yaml", "dxw": "unseen_docs_y.yaml",
                  "starlette": "unseen_docs_z.yaml", "prometheus": "unseen_docs_aa.yaml",
                  "uvicorn": "unseen_docs_ab.yaml", "restic": "unseen_docs_ac.yaml",
                  "fluentbit": "unseen_docs_ad.yaml", "pihole": "unseen_docs_ae.yaml",
                  "syncthing": "unseen_docs_af.yaml", "ripgrep": "unseen_docs_ag.yaml",
                  "nvm": "unseen_docs_ah.yaml", "clef": "unseen_docs_ai.yaml",
                  "civicactions": "unseen_docs_aj.yaml", "pdm": "unseen_docs_ak.yaml",
                  "hatch": "unseen_docs_al.yaml", "pagerduty": "unseen_docs_am.yaml",
                  "rq": "unseen_docs_an.yaml", "drf": "unseen_docs_ao.yaml",
                  "typer": "unseen_docs_ap.yaml"}
NINJA: list[tuple[Path, str]] = [
    (Path("/usr/share/doc/ninja-build/manual.html"), "ninja-manual.html"),
    (Path("/usr/share/doc/libexpat1-dev/expat.html/reference.html"), "expat/reference.html"),
    (Path("/usr/share/doc/smartmontools/badblockhowto.html"), "smartmontools-badblockhowto.html"),
]
UNDICI = Path("/usr/lib/node_modules/npm/node_modules/undici/docs/docs/api")
CMAKE = Path("/usr/share/cmake-3.25/Help/manual")
F_SOURCES: list[tuple[Path, str]] = [
    *[(UNDICI / f"{n}.md", f"undici/{n}.md") for n in
      ("Client", "Pool", "Agent", "RetryAgent", "RetryHandler", "ProxyAgent", "Errors", "Fetch", "Cookies",
       "MockAgent", "Dispatcher", "WebSocket")],
    (CMAKE / "cmake.1.rst", "cmake/cmake.1.rst"),
    (CMAKE / "cmake-buildsystem.7.rst", "cmake/cmake-buildsystem.7.rst"),
    (Path("/usr/share/doc/systemd/UIDS-GIDS.md.gz"), "systemd/UIDS-GIDS.md"),
]
SQLITE, POSTGRES = Path("/usr/share/doc/sqlite3"), Path("/usr/share/doc/postgresql-doc-15/html")
H_SOURCES: list[tuple[Path, str]] = [
    *[(SQLITE / f"{n}.html", f"sqlite/{n}.html") for n in
      ("limits", "datatype3", "lang_datefunc", "wal", "foreignkeys", "quirks")],
    *[(POSTGRES / f"{n}.html", f"postgres/{n}.html") for n in
      ("install-short", "datatype-numeric", "datatype-datetime", "backup-dump", "app-pgdump", "server-start")],
    (Path("/usr/share/R/doc/manual/R-FAQ.pdf"), "r/R-FAQ.pdf"),
]
POLICY, APACHE = Path("/usr/share/doc/debian-policy/policy.html"), Path("/usr/share/doc/apache2-doc/manual/en")
I_SOURCES: list[tuple[Path, str]] = [
    (Path("/usr/share/developers-reference/developers-reference.pdf"), "debian/developers-reference.pdf"),
    *[(POLICY / f"{n}.html", f"debian/policy/{n}.html") for n in
      ("ch-controlfields", "ch-maintainerscripts", "ch-files")],
    *[(APACHE / f"{n}.html", f"apache/{Path(n).name}.html") for n in
      ("howto/htaccess", "howto/auth", "mod/mod_expires", "mod/mod_headers")],
]
HOWTO, HANDBOOK = Path("/usr/share/doc/python3/html/howto"), Path("/usr/share/doc/debian-handbook/html/en-US")
PYTHON_LIBRARY = Path("/usr/share/doc/python3/html/library")
J_SOURCES: list[tuple[Path, str]] = [
    *[(HOWTO / f"{n}.html", f"python/{n}.html") for n in ("sorting", "logging", "ipaddress", "urllib2")],
    *[(HANDBOOK / f"sect.{n}.html", f"debian-handbook/sect.{n}.html") for n in
      ("apt-get", "automatic-upgrades", "creating-accounts", "backup")],
    (Path("/usr/share/doc/gnu-standards/maintain.html"), "gnu/maintain.html"),
    (Path("/usr/share/R/doc/manual/R-data.pdf"), "r/R-data.pdf"),
    (Path("/usr/share/doc/sqlite3/copyright-release.pdf"), "sqlite/copyright-release.pdf"),
]
# Check K's papers: (path in a papers-we-love clone, name in the corpus)
K_PAPERS = [
    ("datastores/bigtable-a-distributed-storage-system-for-structured-data.pdf", "bigtable.pdf"),
    ("distributed_systems/mapreduce-simplified-data-processing-on-large-clusters.pdf", "mapreduce.pdf"),
    ("datastores/the-google-file-system.pdf", "gfs.pdf"),
    ("datastores/dynamo-amazons-highly-available-key-value-store.pdf", "dynamo.pdf"),
    ("distributed_systems/chain-replication-for-supporting-high-throughput-and-availability.pdf",
     "chain-replication.pdf"),
    ("virtual_machines/live-migration-of-virtual-machines.pdf", "live-migration.pdf"),
    ("comp_sci_fundamentals_and_history/hints-for-computer-system-design.pdf", "hints.pdf"),
    ("datastores/megastore-providing-scalable-highly-available-storage-for-interactive-services.pdf",
     "megastore.pdf"),
]
# Check U's papers, the same way; End-to-End Arguments in the restricted folder.
U_PAPERS = [
    ("datastores/spanner-google's-globally-distributed-database.pdf", "papers/spanner.pdf"),
    ("datastores/tao-facebook-distributed-datastore.pdf", "papers/tao.pdf"),
    ("distributed_systems/the-chubby-lock-service-for-loosely-coupled-distributed-systems.pdf", "papers/chubby.pdf"),
    ("distributed_systems/zookeeper-wait-free-coordination-for-internet-scale-systems.pdf", "papers/zookeeper.pdf"),
    ("operating_systems/unix-time-sharing-system.pdf", "papers/unix.pdf"),
    ("distributed_systems/paxos-made-simple.pdf", "papers/paxos-made-simple.pdf"),
    ("distributed_systems/end-to-end-arguments-in-system-design.pdf", "people-ops/end-to-end.pdf"),
]
# Check L's pages: (path in a checkout under --kb DIR, name in the corpus); people-ops/ is the restricted folder.
L_PAGES = [
    *[(f"handbook/pages/{p}", f"handbook/{Path(p).name}") for p in
      ("travel-and-leave/overtime.md", "travel-and-leave/leave.md", "tools/git-signing.md", "tools/github.md",
       "tools/google-drive.md", "getting-started/equipment.md",
       "general-information-and-resources/sensitive-information.md",
       "general-information-and-resources/tech-policies/security-incidents.md",
       "training-and-development/conferences-events-training.md")],
    *[(f"handbook/pages/{p}", f"people-ops/{Path(p).name}") for p in
      ("hiring-staying-or-changing-jobs/leaving-tts.md",
       "general-information-and-resources/reasonable-accommodations.md")],
    *[(f"httpx/docs/{p}", f"httpx/{Path(p).name}") for p in
      ("advanced/clients.md", "advanced/event-hooks.md", "advanced/transports.md", "advanced/text-encodings.md",
       "logging.md", "compatibility.md", "troubleshooting.md")],
    ("styleguide/shellguide.md", "styleguide/shellguide.md"),
    ("styleguide/javaguide.html", "styleguide/javaguide.html"),
]
L_PDFS = [(Path("/usr/share/doc/debian-policy/fhs/fhs-3.0.pdf.gz"), "pdf/fhs-3.0.pdf"),
          (Path("/usr/share/doc/fontconfig/fontconfig-user.pdf.gz"), "pdf/fontconfig-user.pdf")]
# Check M's pages: (path in a checkout under --company DIR, name in the corpus).
_SG = "sourcegraph/content"
M_PAGES = [
    *[(f"basecamp/{p}", f"handbook/{p}") for p in
      ("benefits-and-perks.md", "getting-started.md", "managing-work-devices.md", "moonlighting.md",
       "our-internal-systems.md", "stateFMLA.md")],
    ("basecamp/severance.md", "people-ops/severance.md"),
    (f"{_SG}/benefits-pay-perks/benefits-perks/time-off/index.md", "sourcegraph/time-off.md"),
    (f"{_SG}/benefits-pay-perks/benefits-perks/spending-company-money.md", "sourcegraph/spending-company-money.md"),
    (f"{_SG}/departments/engineering/dev/tools/backport.md", "sourcegraph/backport.md"),
    (f"{_SG}/departments/engineering/dev/process/incidents/on_call.md", "sourcegraph/on-call.md"),
    (f"{_SG}/departments/engineering/dev/process/deployments/debugging/tutorial.md", "sourcegraph/cluster-access.md"),
    (f"{_SG}/departments/engineering/dev/process/pull-requests.md", "sourcegraph/pull-requests.md"),
    (f"{_SG}/departments/technical-success/support/tools/debugging-cheat-sheet.md",
     "sourcegraph/debugging-cheat-sheet.md"),
    (f"{_SG}/departments/people-talent/people-ops/process/compensation-and-leveling/compensation-role-changes.md",
     "people-ops/compensation-role-changes.md"),
]
# Check N's pages: (path in a checkout of github.com/wp-cli/handbook under --wpcli DIR, name in the corpus).
N_PAGES = [(p, f"wpcli/{Path(p).name}") for p in (
    "guides/installing.md", "guides/common-issues.md", "references/config.md", "references/exit-codes.md",
    "how-to/how-to-maintenance-mode.md", "how-to/how-to-start-webserver.md", "guides/force-output-specific-locale.md",
    "guides/running-commands-remotely.md", "guides/verifying-downloads.md")]
# Check O's pages: (path under source/ in a checkout of github.com/alphagov/gds-way, name in the corpus).
O_PAGES = [(f"{p}.html.md.erb", f"{folder}/{Path(p).name}.md") for p, folder in (
    ("standards/incident-management", "gds"), ("standards/logging", "gds"), ("standards/alerting", "gds"),
    ("standards/slo", "gds"), ("standards/source-code/working-with-git", "gds"), ("manuals/aws-tagging", "gds"),
    ("manuals/programming-languages/python/python", "gds"), ("manuals/programming-languages/docker", "gds"),
    ("manuals/browser-support", "gds"), ("standards/operating-systems", "gds"),
    ("standards/storing-credentials", "people-ops"))]
# Check P's pages: (path in a checkout under --playbook DIR, name in the corpus); people-ops/ is the restricted folder.
_CSE = "playbook/docs"
P_PAGES = [
    *[(f"{_CSE}/{p}", f"playbook/{name}") for p, name in (
        ("code-reviews/pull-requests.md", "pull-requests.md"),
        ("source-control/naming-branches.md", "naming-branches.md"),
        ("source-control/merge-strategies.md", "merge-strategies.md"),
        ("agile-development/team-agreements/definition-of-done.md", "definition-of-done.md"),
        ("code-reviews/recipes/python.md", "python-code-reviews.md"),
        ("code-reviews/recipes/bash.md", "bash-code-reviews.md"),
        ("CI-CD/dev-sec-ops/secrets-management/credential_scanning.md", "credential-scanning.md"),
        ("observability/correlation-id.md", "correlation-id.md"),
        ("source-control/component-versioning.md", "component-versioning.md"),
        ("agile-development/ceremonies.md", "ceremonies.md"),
        ("source-control/git-guidance/README.md", "git-guidance.md"))],
    (f"{_CSE}/security/rules-of-engagement.md", "people-ops/rules-of-engagement.md"),
    *[(f"requests/docs/user/{n}.rst", f"requests/{n}.rst") for n in ("quickstart", "advanced", "authentication")],
]
# Check Q's pages: (path in a checkout under --poetry DIR, name in the corpus); people-ops/ is the restricted folder.
Q_PAGES = [
    *[(f"poetry/docs/{n}.md", f"poetry/{n}.md") for n in
      ("managing-environments", "managing-dependencies", "libraries", "pre-commit-hooks", "faq")],
    ("poetry/docs/contributing.md", "people-ops/contributing.md"),
    *[(f"mkdocs/docs/{p}.md", f"mkdocs/{Path(p).name}.md") for p in
      ("getting-started", "user-guide/installation", "user-guide/deploying-your-docs")],
]
# Check R's pages: (path in a checkout under --flaskpip DIR, name in the corpus); people-ops/ is the restricted folder.
R_PAGES = [
    *[(f"flask/docs/{p}.rst", f"flask/{Path(p).name}.rst") for p in
      ("cli", "deploying/gunicorn", "deploying/waitress", "deploying/nginx", "logging", "patterns/fileuploads")],
    *[(f"pip/docs/html/{p}.md", f"pip/{Path(p).name}.md") for p in
      ("topics/caching", "topics/authentication", "topics/repeatable-installs",
       "reference/requirements-file-format", "topics/https-certificates")],
    ("pip/docs/html/topics/secure-installs.md", "people-ops/secure-installs.md"),
]
# Check S's pages: (path in a checkout under --pypa DIR, name in the corpus); people-ops/ is the restricted folder.
S_PAGES = [
    *[(f"packaging/source/guides/{n}.rst", f"pypa/{n}.rst") for n in
      ("installing-using-pip-and-virtual-environments", "using-testpypi", "hosting-your-own-index")],
    *[(f"black/docs/{p}.md", f"black/{Path(p).name}.md") for p in
      ("faq", "integrations/source_version_control", "usage_and_configuration/black_docker_image")],
    ("black/docs/contributing/release_process.md", "people-ops/release_process.md"),
]
# Check T's pages: (path in a checkout of github.com/pallets/click under --click DIR, name in the corpus).
T_PAGES = [*[(f"docs/{n}.md", f"click/{n}.md") for n in ("faqs", "entry-points", "prompts", "virtualenv")],
           ("docs/contributing.md", "people-ops/contributing.md")]
# Check V's pages: (path in a checkout under --mattermost DIR, name in the corpus); people-ops/ is the restricted
# folder. git's manual page comes from Debian's git-doc (V_FILES).
_MM = "mattermost/operations"
V_PAGES = [
    *[(f"{_MM}/finance/staff-member-expenses/{n}.md", f"mattermost/{n}.md") for n in
      ("airfare-and-traveling", "corporate-credit-card-policy", "currency-exchange-table")],
    ("mattermost/company/how-to-guides-for-staff/how-to-change-mobile-device/how-to-handle-a-lost-mobile-device.md",
     "mattermost/lost-mobile-device.md"),
    *[(f"{_MM}/research-and-development/{p}.md", f"mattermost/{Path(p).name}.md") for p in
      ("product/development-process/new-bug-tickets/bug-severity-guidelines", "engineering/team/on-call",
       "product/release-process/release-tips", "product/development-process/jira-ticket-lifecycle")],
    (f"{_MM}/finance/Mattermost - Consulting Agreement.pdf", "legal/consulting-agreement.pdf"),
    ("thoughtbot/git/README.md", "thoughtbot/git.md"),
    ("thoughtbot/postgres/README.md", "thoughtbot/postgres.md"),
    (f"{_MM}/finance/staff-member-expenses/internship-expense-policy.md", "people-ops/internship-expense-policy.md"),
]
V_FILES = [(Path("/usr/share/doc/git/html/gitignore.html"), "git/gitignore.html")]
# Check W's pages: (path in a checkout of github.com/artsy/README under --artsy DIR, name in the corpus); people-ops/
# is the restricted folder. Nettle's manual and githooks(5) come from Debian's nettle-dev and git-doc (W_FILES).
W_PAGES = [
    *[(f"playbooks/{n}.md", f"artsy/{n}.md") for n in
      ("deployments", "data-migrations", "system-criticality", "retrospectives", "rename-master-to-main",
       "version-managers", "migrating-redis", "hokusai")],
    ("events/open-standup.md", "artsy/open-standup.md"),
    ("RFCs/on-call-incident-review.md", "artsy/on-call-incident-review.md"),
    ("playbooks/technology_radar/artsy-tech-radar.csv", "artsy/artsy-tech-radar.csv"),
    ("hiring/interviewing.md", "people-ops/interviewing.md"),
]
W_FILES = [(Path("/usr/share/doc/nettle-dev/nettle.pdf.gz"), "nettle/nettle.pdf"),
           (Path("/usr/share/doc/git/html/githooks.html"), "git/githooks.html")]
# Check X's pages: Middleman templates (path in a checkout under --moj DIR, name in the corpus); people-ops/ is the
# restricted folder. Apache httpd's pages and R's installation manual come from Debian's apache2-doc and r-doc-pdf.
_CP, _TG = "cloud-platform-user-guide/source/documentation", "technical-guidance/source/documentation"
X_PAGES = [
    *[(f"{_CP}/{p}.html.md.erb", f"moj/{name}.md") for p, name in (
        ("getting-started/kubectl-config", "kubectl-config"), ("concepts/namespace-limits", "namespace-limits"),
        ("other-topics/cloud-platform-support", "cloud-platform-support"),
        ("reference/operational-processes", "operational-processes"), ("other-topics/Cronjobs", "cronjobs"),
        ("other-topics/maintenance-page", "maintenance-page"), ("other-topics/troubleshooting", "troubleshooting"),
        ("deploying-an-app/add-secrets-to-deployment", "add-secrets-to-deployment"))],
    *[(f"{_TG}/standards/{n}.html.md.erb", f"moj/{n}.md") for n in ("out-of-hours", "code-freezes", "naming-things")],
    (f"{_CP}/security/security-team-engagement.html.md.erb", "people-ops/security-team-engagement.md"),
]
X_FILES = [(APACHE / "stopping.html", "apache/stopping.html"),
           (APACHE / "howto/reverse_proxy.html", "apache/reverse_proxy.html"),
           (Path("/usr/share/R/doc/manual/R-admin.pdf"), "r/R-admin.pdf")]
X_HOLDS = ("checkouts of github.com/ministryofjustice/cloud-platform-user-guide as cloud-platform-user-guide/ and "
           "github.com/ministryofjustice/technical-guidance as technical-guidance/ (and Debian's apache2-doc and "
           "r-doc-pdf installed)")
# Check Y's pages: (path in a checkout of github.com/dxw/playbook under --dxw DIR, name in the corpus), kept as the
# Jekyll Markdown they are; two policies printed to PDF (Y_PRINTED); people-ops/ is the restricted folder. The Debian
# Administrator's Handbook's remote login section comes from Debian's debian-handbook (Y_FILES).
_SH = "src/staff-handbook"
Y_PAGES = [
    *[(f"{_SH}/leave/{n}.md", f"dxw/{n.lower()}.md") for n in
      ("holiday", "TOIL", "sabbatical-and-unpaid-leave", "personal-leave", "compassionate-leave")],
    *[(f"{_SH}/{n}.md", f"dxw/{n}.md") for n in ("claiming-expenses", "working-securely")],
    (f"{_SH}/pay-pension-and-benefits/pension.md", "dxw/pension.md"),
    (f"{_SH}/pay-pension-and-benefits/benefits/cycle-to-work-scheme.md", "dxw/cycle-to-work-scheme.md"),
    *[(f"src/tech/{n}.md", f"dxw/{Path(n).name}.md") for n in
      ("support-and-on-call", "trusted-devices", "incidents/dealing-with-an-incident")],
    ("src/govpress-unit/hotfixing.md", "dxw/hotfixing.md"),
    (f"{_SH}/policies-and-procedures/redundancy-policy.md", "people-ops/redundancy.md"),
]
Y_PRINTED = [(f"{_SH}/policies-and-procedures/{n}-policy.md", f"policies/{n.split('-')[0]}.pdf")
             for n in ("sickness", "travel-and-accommodation")]
Y_FILES = [(HANDBOOK / "sect.remote-login.html", "debian-handbook/remote-login.html")]
Y_HOLDS = "a checkout of github.com/dxw/playbook (and Debian's debian-handbook installed)"
# Check Z's pages: (path under --starlette DIR, name in the corpus); two guides printed to PDF (Z_PRINTED); the legal
# guide in the restricted folder; two pages of Python's library reference from Debian's python3-doc (Z_FILES).
_OSG = "opensource.guide/_articles"
Z_PAGES = [
    *[(f"{_OSG}/{n}.md", f"opensource-guide/{n.replace('-for-your-project', '')}.md") for n in
      ("code-of-conduct", "metrics", "security-best-practices-for-your-project")],
    *[(f"starlette/docs/{n}.md", f"starlette/{n}.md") for n in
      ("config", "background", "staticfiles", "lifespan", "requests", "testclient", "routing", "middleware")],
    (f"{_OSG}/legal.md", "people-ops/legal.md"),
]
Z_PRINTED = [(f"{_OSG}/{n}.md", f"opensource-guide/{n}.pdf") for n in ("leadership-and-governance", "getting-paid")]
Z_FILES = [(PYTHON_LIBRARY / f"{n}.html", f"python/{n}.html") for n in ("zipapp", "struct")]
Z_HOLDS = ("checkouts of github.com/github/opensource.guide as opensource.guide/ and github.com/encode/starlette as "
           "starlette/ (and Debian's python3-doc installed)")
# Check AA's pages: (path under --prometheus DIR, name in the corpus); two practices pages printed to PDF (AA_PRINTED);
# the security model in the restricted folder; Python's venv page from Debian's python3-doc (AA_FILES).
_PD, _CU = "prometheus/docs", "celery/docs/userguide"
AA_PAGES = [
    *[(f"{_PD}/{p}.md", f"prometheus/{Path(p).name}.md") for p in
      ("practices/naming", "practices/alerting", "practices/instrumentation", "introduction/faq",
       "concepts/metric_types", "guides/basic-auth", "guides/query-log", "guides/tls-encryption", "guides/file-sd")],
    *[(f"{_CU}/{n}.rst", f"celery/{n}.rst") for n in ("periodic-tasks", "daemonizing", "optimizing")],
    (f"{_PD}/operating/security.md", "people-ops/security.md"),
]
AA_PRINTED = [(f"{_PD}/practices/{n}.md", f"prometheus/{n}.pdf") for n in ("rules", "pushing")]
AA_FILES = [(PYTHON_LIBRARY / "venv.html", "python/venv.html")]
AA_HOLDS = ("checkouts of github.com/prometheus/docs as prometheus/ and github.com/celery/celery as celery/ (and "
            "Debian's python3-doc installed)")
# Check AB's pages: (path under --uvicorn DIR, name in the corpus); the server-behaviour page printed to PDF
# (AB_PRINTED); pages of Django 3.2's HTML docs from Debian's python-django-doc (AB_FILES), its security overview in
# the restricted folder.
_UV = "uvicorn/docs"
AB_PAGES = [(f"{_UV}/{p}.md", f"uvicorn/{n}.md") for p, n in
            (("settings", "settings"), ("deployment/index", "deployment"), ("installation", "installation"),
             ("deployment/docker", "docker"), ("concepts/lifespan", "lifespan"))]
AB_PRINTED = [(f"{_UV}/server-behavior.md", "uvicorn/server-behavior.pdf")]
DJANGO_HTML = Path("/usr/share/doc/python-django-doc/html")
AB_FILES = [
    *[(DJANGO_HTML / p, f"django/{Path(p).name}") for p in
      ("howto/deployment/checklist.html", "topics/signing.html", "topics/pagination.html", "howto/outputting-csv.html",
       "howto/error-reporting.html", "ref/contrib/messages.html")],
    (DJANGO_HTML / "topics/security.html", "people-ops/security.html"),
]
AB_HOLDS = "a checkout of github.com/encode/uvicorn as uvicorn/ (and Debian's python-django-doc installed)"
# Check AC's pages: (path under --restic DIR, name in the corpus); one Fluent Bit page printed to PDF (AC_PRINTED);
# two of Postfix's HTML READMEs from Debian's postfix-doc (AC_FILES); restic's encryption chapter in the restricted
# folder.
_FB = "fluent-bit"
AC_PAGES = [
    *[(f"restic/doc/{p}.rst", f"restic/{n}.rst") for p, n in
      (("040_backup", "backup"), ("047_tuning_parameters", "tuning"), ("060_forget", "forget"), ("faq", "faq"))],
    *[(f"{_FB}/{p}.md", f"fluent-bit/{Path(p).name}.md") for p in
      ("pipeline/filters/grep", "pipeline/filters/modify", "pipeline/buffering", "administration/backpressure",
       "administration/http-proxy")],
    ("restic/doc/070_encryption.rst", "people-ops/encryption.rst"),
]
AC_PRINTED = [(f"{_FB}/administration/scheduling-and-retries.md", "fluent-bit/scheduling-and-retries.pdf")]
POSTFIX_HTML = Path("/usr/share/doc/postfix/html")
AC_FILES = [(POSTFIX_HTML / f"{n}.html", f"postfix/{n}.html") for n in ("BASIC_CONFIGURATION_README", "DEBUG_README")]
AC_HOLDS = ("checkouts of github.com/restic/restic as restic/ and github.com/fluent/fluent-bit-docs as fluent-bit/ "
            "(and Debian's postfix-doc installed)")
# Check AD's pages: two of Fluent Bit's plugin pages as Markdown (AD_PAGES) and five printed to PDF (AD_PRINTED), each
# a page of configuration tables: a held-back measure of the printed-table reader (session 56).
AD_PAGES = [(f"{_FB}/pipeline/{p}.md", f"fluent-bit/{Path(p).name}.md") for p in ("inputs/tail", "outputs/http")]
AD_PRINTED = [(f"{_FB}/pipeline/{p}.md", f"fluent-bit/{Path(p).name}.pdf") for p in
              ("inputs/cpu-metrics", "inputs/dummy", "inputs/tcp", "filters/throttle", "outputs/file")]
AD_HOLDS = "a checkout of github.com/fluent/fluent-bit-docs as fluent-bit/"
# Check AE's pages: Pi-hole's MkDocs Markdown (three as pages, two printed to PDF), Mastodon's roles page (Hugo
# Markdown) and its backups page in the restricted folder, git-stash(1) as HTML from Debian's git-doc.
AE_PAGES = [
    *[(f"pi-hole/docs/{p}.md", f"pihole/{Path(p).name}.md") for p in
      ("main/prerequisites", "guides/dns/unbound", "ftldns/signals")],
    ("mastodon/content/en/admin/roles.md", "mastodon/roles.md"),
    ("mastodon/content/en/admin/backups.md", "people-ops/backups.md"),
]
AE_PRINTED = [(f"pi-hole/docs/{p}.md", f"pihole/{Path(p).name}.pdf") for p in
              ("main/pihole-command", "ftldns/privacylevels")]
AE_FILES = [(Path("/usr/share/doc/git/html/git-stash.html"), "git/git-stash.html")]
AE_HOLDS = ("checkouts of github.com/pi-hole/docs as pi-hole/ and github.com/mastodon/documentation as mastodon/ "
            "(and Debian's git-doc installed)")
# Check AF's pages: Syncthing's reST user docs (four pages, its security principles in the restricted folder),
# Mastodon's upgrade page printed to PDF, git-bisect(1) as HTML from Debian's git-doc.
AF_PAGES = [
    *[(f"syncthing/users/{n}.rst", f"syncthing/{n}.rst")
      for n in ("versioning", "firewall", "foldertypes", "ignoring")],
    ("syncthing/users/security.rst", "people-ops/security.rst"),
]
AF_PRINTED = [("mastodon/content/en/admin/upgrading.md", "mastodon/upgrading.pdf")]
AF_FILES = [(Path("/usr/share/doc/git/html/git-bisect.html"), "git/git-bisect.html")]
AF_HOLDS = ("checkouts of github.com/syncthing/docs as syncthing/ and github.com/mastodon/documentation as mastodon/ "
            "(and Debian's git-doc installed)")
# Check AG's pages: ripgrep's FAQ as Markdown and its guide printed to PDF, Borg's reST quick start, return codes and
# non-root deployment pages (its central backup server page in the restricted folder), git-worktree(1) as HTML.
AG_PAGES = [
    ("ripgrep/FAQ.md", "ripgrep/FAQ.md"),
    ("borg/docs/quickstart.rst", "borg/quickstart.rst"),
    ("borg/docs/usage/general/return-codes.rst.inc", "borg/return-codes.rst"),
    ("borg/docs/deployment/non-root-user.rst", "borg/non-root-user.rst"),
    ("borg/docs/deployment/central-backup-server.rst", "people-ops/central-backup-server.rst"),
]
AG_PRINTED = [("ripgrep/GUIDE.md", "ripgrep/GUIDE.pdf")]
AG_FILES = [(Path("/usr/share/doc/git/html/git-worktree.html"), "git/git-worktree.html")]
AG_HOLDS = ("checkouts of github.com/BurntSushi/ripgrep as ripgrep/ and github.com/borgbackup/borg as borg/ "
            "(and Debian's git-doc installed)")
# Check AH's pages: nvm's README and direnv's hook and configuration pages as Markdown, pyenv's command reference
# printed to PDF, PostgreSQL's pg_hba.conf page as HTML, nvm's incident response plan in the restricted folder.
AH_PAGES = [
    ("nvm/README.md", "nvm/README.md"),
    ("direnv/docs/hook.md", "direnv/hook.md"),
    ("direnv/man/direnv.toml.1.md", "direnv/direnv.toml.md"),
    ("nvm/.github/INCIDENT_RESPONSE_PLAN.md", "people-ops/incident-response.md"),
]
AH_PRINTED = [("pyenv/COMMANDS.md", "pyenv/COMMANDS.pdf")]
AH_FILES = [(POSTGRES / "auth-pg-hba-conf.html", "postgres/auth-pg-hba-conf.html")]
AH_HOLDS = ("checkouts of github.com/nvm-sh/nvm as nvm/, github.com/pyenv/pyenv as pyenv/ and github.com/direnv/direnv "
            "as direnv/ (and Debian's postgresql-doc-15 installed)")
# Check AI's pages: Clef's handbook, fd's README and HTTPie's docs as Markdown, two handbook pages printed to PDF,
# gitcredentials(7) as HTML, Clef's salary and equity policy in the restricted folder.
_CLEF = "clef"
AI_PAGES = [
    *[(f"{_CLEF}/{d}/{n}.md", f"clef/{name}.md") for d, n, name in (
        ("Benefits and Perks", "Vacation and Sick Leave", "vacation-and-sick-leave"),
        ("Benefits and Perks", "Holiday List", "holiday-list"),
        ("Benefits and Perks", "New Parent Leave", "new-parent-leave"),
        ("Benefits and Perks", "Referral Bonuses", "referral-bonuses"),
        ("Benefits and Perks", "Sabbatical", "sabbatical"),
        ("Benefits and Perks", "Healthcare and Disability Insurance", "healthcare"),
        ("Employment Policies", "Working Remotely", "working-remotely"),
        ("Operations Documents", "Hack Weeks", "hack-weeks"),
        ("Operations Documents", "Effective Meetings", "effective-meetings"),
        ("Operations Documents", "Budgeting", "budgeting"),
        ("Operations Documents", "Sharing Files", "sharing-files"),
        ("Onboarding Documents", "One on Ones", "one-on-ones"))],
    (f"{_CLEF}/Employment Policies/Salary and Equity Compensation.md", "people-ops/salary-and-equity.md"),
    ("fd/README.md", "fd/README.md"),
    ("httpie/docs/README.md", "httpie/README.md"),
]
AI_PRINTED = [(f"{_CLEF}/{d}/{n}.md", f"clef/{name}.pdf") for d, n, name in (
    ("Operations Documents", "Interview Process", "interview-process"),
    ("Benefits and Perks", "Continuing Education", "continuing-education"))]
AI_FILES = [(Path("/usr/share/doc/git/html/gitcredentials.html"), "git/gitcredentials.html")]
AI_HOLDS = ("checkouts of github.com/clef/handbook as clef/, github.com/sharkdp/fd as fd/ and github.com/httpie/cli as "
            "httpie/ (and Debian's git-doc installed)")
# Check AJ's pages: CivicActions' guidebook, just's README as Markdown, two guidebook pages printed to PDF, two of
# coverage.py's reST pages, git-cherry-pick(1) as HTML, the US compensation page in the restricted folder.
_CA = "civicactions"
AJ_PAGES = [
    *[(f"{_CA}/{path}.md", f"civicactions/{name}.md") for path, name in (
        ("company-policies/expenses", "expenses"),
        ("employee-benefits/us-tech-stipend", "us-tech-stipend"),
        ("employee-benefits/on-call-stipend", "on-call-stipend"),
        ("company-policies/new-hire-orientation/buddy-program", "buddy-program"),
        ("company-policies/employment/leaving-civicactions", "leaving-civicactions"),
        ("company-policies/employment/us/introductory-period", "introductory-period"),
        ("common-practices-tools/security/gnupg", "gnupg"),
        ("practice-areas/engineering/git", "git"))],
    (f"{_CA}/employee-benefits/us-compensation.md", "people-ops/us-compensation.md"),
    ("just/README.md", "just/README.md"),
    ("coverage/doc/config.rst", "coverage/config.rst"),
    ("coverage/doc/excluding.rst", "coverage/excluding.rst"),
]
AJ_PRINTED = [(f"{_CA}/{path}.md", f"civicactions/{name}.pdf") for path, name in (
    ("employee-benefits/professional-development", "professional-development"),
    ("company-policies/travel-time-tracking-and-expenses", "travel-expenses"))]
AJ_FILES = [(Path("/usr/share/doc/git/html/git-cherry-pick.html"), "git/git-cherry-pick.html")]
AJ_HOLDS = ("checkouts of github.com/CivicActions/guidebook as civicactions/, github.com/casey/just as just/ and "
            "github.com/nedbat/coveragepy as coverage/ (and Debian's git-doc installed)")
# Check AK's pages: PDM's usage docs as Markdown with two printed to PDF, pytest's and pipx's reST pages,
# git-clean(1) as HTML, pipx's private-index page in the restricted folder.
AK_PAGES = [
    *[(f"pdm/docs/usage/{n}.md", f"pdm/{n}.md") for n in ("scripts", "venv", "publish", "uv", "workspace", "lockfile")],
    *[(f"pytest/doc/en/{path}.rst", f"pytest/{path.rsplit('/', 1)[-1]}.rst") for path in (
        "how-to/skipping", "how-to/tmp_path", "how-to/cache", "reference/exit-codes")],
    *[(f"pipx/docs/{path}.rst", f"pipx/{path.rsplit('/', 1)[-1]}.rst") for path in (
        "how-to/pin-packages", "how-to/inject-packages", "reference/environment-variables")],
    ("pipx/docs/how-to/use-private-index.rst", "people-ops/use-private-index.rst"),
]
AK_PRINTED = [(f"pdm/docs/usage/{n}.md", f"pdm/{n}.pdf") for n in ("template", "hooks")]
AK_FILES = [(Path("/usr/share/doc/git/html/git-clean.html"), "git/git-clean.html")]
AK_HOLDS = ("checkouts of github.com/pdm-project/pdm as pdm/, github.com/pytest-dev/pytest as pytest/ and "
            "github.com/pypa/pipx as pipx/ (and Debian's git-doc installed)")
# Check AL's pages: Hatch's Markdown docs with two printed to PDF, tox's reST pages, git-restore(1) as HTML, Hatch's
# workspace page in the restricted folder.
AL_PAGES = [
    *[(f"hatch/docs/{path}.md", f"hatch/{path.rsplit('/', 1)[-1]}.md") for path in (
        "version", "how-to/run/python-scripts", "how-to/environment/select-installer", "config/internal/testing",
        "meta/faq", "how-to/environment/lockfiles", "environment")],
    ("tox/docs/how-to/install.rst", "tox/install.rst"),
    ("tox/docs/tutorial/getting-started.rst", "tox/getting-started.rst"),
    ("hatch/docs/how-to/environment/workspace.md", "people-ops/workspace.md"),
]
AL_PRINTED = [("hatch/docs/install.md", "hatch/install.pdf"),
              ("hatch/docs/tutorials/environment/basic-usage.md", "hatch/basic-usage.pdf")]
AL_FILES = [(Path("/usr/share/doc/git/html/git-restore.html"), "git/git-restore.html")]
AL_HOLDS = ("checkouts of github.com/pypa/hatch as hatch/ and github.com/tox-dev/tox as tox/ (and Debian's git-doc "
            "installed)")
# Check AM's pages: PagerDuty's incident response docs as Markdown with two printed to PDF, uv's Markdown pages,
# git-switch(1) as HTML, PagerDuty's security incident page in the restricted folder.
AM_PAGES = [
    *[(f"pagerduty/docs/{path}.md", f"pagerduty/{path.rsplit('/', 1)[-1]}.md") for path in (
        "before/severity_levels", "before/what_is_an_incident", "before/call_etiquette", "oncall/being_oncall",
        "oncall/alerting_principles", "during/during_an_incident", "after/post_mortem_process",
        "before/different_roles")],
    *[(f"uv/docs/{path}.md", f"uv/{path.rsplit('/', 1)[-1]}.md") for path in (
        "concepts/cache", "guides/tools", "pip/environments")],
    ("pagerduty/docs/during/security_incident_response.md", "people-ops/security_incident_response.md"),
]
AM_PRINTED = [(f"pagerduty/docs/{path}.md", f"pagerduty/{path.rsplit('/', 1)[-1]}.pdf") for path in (
    "after/effective_post_mortems", "during/external_communication_guidelines")]
AM_FILES = [(Path("/usr/share/doc/git/html/git-switch.html"), "git/git-switch.html")]
AM_HOLDS = ("checkouts of github.com/PagerDuty/incident-response-docs as pagerduty/ and github.com/astral-sh/uv as "
            "uv/ (and Debian's git-doc installed)")
# Check AN's pages: RQ's Markdown docs with two printed to PDF, 18F's development guide as Markdown, git-tag(1) as
# HTML, the guide's on-call page in the restricted folder.
AN_PAGES = [
    *[(f"rq/docs/docs/{n}.md", f"rq/{n}.md") for n in (
        "scheduling", "exceptions", "results", "job_registries", "testing", "connections")],
    *[(f"devguide/_pages/{n}.md", f"devguide/{n}.md") for n in (
        "python", "datastore-selection", "release-strategies", "incident-reports", "code-review")],
    ("devguide/_pages/on-call.md", "people-ops/on-call.md"),
]
AN_PRINTED = [(f"rq/docs/docs/{n}.md", f"rq/{n}.pdf") for n in ("cron", "monitoring")]
AN_FILES = [(Path("/usr/share/doc/git/html/git-tag.html"), "git/git-tag.html")]
AN_HOLDS = ("checkouts of github.com/rq/rq as rq/ and github.com/18F/development-guide as devguide/ (and Debian's "
            "git-doc installed)")
# Check AO's pages: Django REST framework's API guide as Markdown with two pages printed to PDF, 18F's content guide as
# Markdown, PostgreSQL's TRUNCATE page as HTML, the guide's inclusive language page in the restricted folder.
AO_PAGES = [
    *[(f"drf/docs/api-guide/{n}.md", f"drf/{n}.md") for n in ("status-codes", "caching", "throttling", "versioning")],
    *[(f"content/_pages/our-style/{n}.md", f"content/{n}.md") for n in (
        "numbers-and-percentages", "capitalization", "active-voice", "punctuation", "abbreviations-and-acronyms")],
    ("content/_pages/our-style/inclusive-language.md", "people-ops/inclusive-language.md"),
]
AO_PRINTED = [(f"drf/docs/api-guide/{n}.md", f"drf/{n}.pdf") for n in ("format-suffixes", "responses")]
AO_FILES = [(Path("/usr/share/doc/postgresql-doc-15/html/sql-truncate.html"), "postgresql/sql-truncate.html")]
AO_HOLDS = ("checkouts of github.com/encode/django-rest-framework as drf/ and github.com/18F/content-guide as content/ "
            "(and Debian's postgresql-doc-15 installed)")
# Check AP's pages: Typer's tutorial as Markdown with two pages printed to PDF, 18F's Before You Ship guide as Markdown,
# git-worktree(1) as HTML, the guide's privacy page in the restricted folder.
AP_PAGES = [
    *[(f"typer/docs/tutorial/{p}.md", f"typer/{Path(p).name}.md") for p in (
        "terminating", "progressbar", "testing", "parameter-types/bool", "prompt")],
    *[(f"bys/_pages/{p}.md", f"bys/{Path(p).name}.md") for p in (
        "infrastructure/certs", "infrastructure/domains", "infrastructure/decommissioning", "security/mfa",
        "infrastructure/logging", "infrastructure/pinning-dependencies")],
    ("bys/_pages/privacy.md", "people-ops/privacy.md"),
]
AP_PRINTED = [(f"typer/docs/tutorial/{n}.md", f"typer/{n}.pdf") for n in ("app-dir", "launch")]
AP_FILES = [(Path("/usr/share/doc/git/html/git-worktree.html"), "git/git-worktree.html")]
AP_HOLDS = ("checkouts of github.com/fastapi/typer as typer/ and github.com/18F/before-you-ship as bys/ (and Debian's "
            "git-doc installed)")
# The checks that print some of their Markdown pages to PDF: (check, pages, pages to print, installed files, what DIR
# holds).
PRINTING_SETS: dict[str, tuple[str, list[tuple[str, str]], list[tuple[str, str]], list[tuple[Path, str]], str]] = {
    "dxw": ("Y", Y_PAGES, Y_PRINTED, Y_FILES, Y_HOLDS),
    "starlette": ("Z", Z_PAGES, Z_PRINTED, Z_FILES, Z_HOLDS),
    "prometheus": ("AA", AA_PAGES, AA_PRINTED, AA_FILES, AA_HOLDS),
    "uvicorn": ("AB", AB_PAGES, AB_PRINTED, AB_FILES, AB_HOLDS),
    "restic": ("AC", AC_PAGES, AC_PRINTED, AC_FILES, AC_HOLDS),
    "fluentbit": ("AD", AD_PAGES, AD_PRINTED, [], AD_HOLDS),
    "pihole": ("AE", AE_PAGES, AE_PRINTED, AE_FILES, AE_HOLDS),
    "syncthing": ("AF", AF_PAGES, AF_PRINTED, AF_FILES, AF_HOLDS),
    "ripgrep": ("AG", AG_PAGES, AG_PRINTED, AG_FILES, AG_HOLDS),
    "nvm": ("AH", AH_PAGES, AH_PRINTED, AH_FILES, AH_HOLDS),
    "clef": ("AI", AI_PAGES, AI_PRINTED, AI_FILES, AI_HOLDS),
    "civicactions": ("AJ", AJ_PAGES, AJ_PRINTED, AJ_FILES, AJ_HOLDS),
    "pdm": ("AK", AK_PAGES, AK_PRINTED, AK_FILES, AK_HOLDS),
    "hatch": ("AL", AL_PAGES, AL_PRINTED, AL_FILES, AL_HOLDS),
    "pagerduty": ("AM", AM_PAGES, AM_PRINTED, AM_FILES, AM_HOLDS),
    "rq": ("AN", AN_PAGES, AN_PRINTED, AN_FILES, AN_HOLDS),
    "drf": ("AO", AO_PAGES, AO_PRINTED, AO_FILES, AO_HOLDS),
    "typer": ("AP", AP_PAGES, AP_PRINTED, AP_FILES, AP_HOLDS),
}
# The checks read from checkouts under one folder, `--<set> DIR`: (check, its pages, what DIR holds, whether it has a
# restricted folder).
CHECKOUT_SETS: dict[str, tuple[str, list[tuple[str, str]], str, bool]] = {
    "company": ("M", M_PAGES, "checkouts of github.com/basecamp/handbook as basecamp/ and github.com/sourcegraph/"
                "handbook as sourcegraph/", True),
    "wpcli": ("N", N_PAGES, "a checkout of github.com/wp-cli/handbook", False),
    "playbook": ("P", P_PAGES, "checkouts of github.com/microsoft/code-with-engineering-playbook as playbook/ and "
                 "github.com/psf/requests as requests/", True),
    "poetry": ("Q", Q_PAGES, "checkouts of github.com/python-poetry/poetry as poetry/ and github.com/mkdocs/mkdocs "
               "as mkdocs/", True),
    "flaskpip": ("R", R_PAGES, "checkouts of github.com/pallets/flask as flask/ and github.com/pypa/pip as pip/", True),
    "pypa": ("S", S_PAGES, "checkouts of github.com/pypa/packaging.python.org as packaging/ and github.com/psf/black "
             "as black/", True),
    "click": ("T", T_PAGES, "a checkout of github.com/pallets/click", True),
    "mattermost": ("V", V_PAGES, "checkouts of github.com/mattermost/mattermost-handbook as mattermost/ and "
                   "github.com/thoughtbot/guides as thoughtbot/ (and Debian's git-doc installed)", True),
    "artsy": ("W", W_PAGES, "a checkout of github.com/artsy/README (and Debian's nettle-dev and git-doc installed)",
              True),
}
# Files a checkout set also takes from what Debian's packages install.
INSTALLED_FILES = {"mattermost": V_FILES, "artsy": W_FILES}
# The checks whose files are copied as they are, with no restricted folder.
FILE_SETS = {"ninja": NINJA, "undici": F_SOURCES, "sqlite": H_SOURCES, "debian": I_SOURCES, "handbooks": J_SOURCES}
READMES = ("python-dotenv", "uvicorn", "redis", "aiofiles")


def readme_sources(root: Path) -> list[tuple[Path, str]]:
    """Check G's files: each package's README, the long description its installed METADATA carries, written
    into `root`."""
    from email import message_from_string
    from importlib.metadata import distribution

    root.mkdir(parents=True, exist_ok=True)
    out = []
    for name in READMES:
        readme = root / f"{name}.md"
        metadata = message_from_string(distribution(name).read_text("METADATA") or "")
        readme.write_text(str(metadata.get_payload()), encoding="utf-8")
        out.append((readme, f"{name}.md"))
    return out


def render_middleman(pages: list[tuple[Path, str]], root: Path, hint: str) -> list[tuple[Path, str]]:
    """Middleman templates (`*.html.md.erb`: checks O and X) rendered as their sites render them, written into
    `root`: the front matter's title into the heading's template tag, a warning box's text kept, the front matter
    dropped."""
    import re

    import yaml

    out = []
    for source, name in pages:
        if not source.exists():
            raise SystemExit(f"missing: {source} ({hint})")
        _, front, body = source.read_text(encoding="utf-8").split("---\n", 2)
        body = body.replace("<%= current_page.data.title %>", str(yaml.safe_load(front)["title"]))
        body = re.sub(r"<%= warning_text\('(.*?)'\) %>", lambda m: re.sub(r"<[^>]+>", "", m.group(1)), body)
        page = root / name
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(body, encoding="utf-8")
        out.append((page, name))
    return out


def print_markdown(pages: list[tuple[Path, str]], root: Path, hint: str) -> list[tuple[Path, str]]:
    """Jekyll, MkDocs or GitBook Markdown pages (check Y's policies, two of check Z's guides, check AB's and check AC's
    pages) rendered to HTML as the site shows them (a Jekyll front matter's title as the heading; pipe tables as tables,
    which CommonMark alone leaves as text) and printed to PDF by headless Chromium into `root`: (printed file, name in
    the corpus)."""
    import markdown_it
    import yaml

    from eval.printing import print_to_pdf

    root.mkdir(parents=True, exist_ok=True)
    out = []
    for source, name in pages:
        if not source.exists():
            raise SystemExit(f"missing: {source} ({hint})")
        text = source.read_text(encoding="utf-8")
        front, body = ("", text) if not text.startswith("---\n") else text.split("---\n", 2)[1:]
        own = next((line.lstrip("# ") for line in body.splitlines() if line.startswith("# ")), None)
        # A page's title is its front matter's, else its own first heading (an MkDocs page, check AB's), else its
        # file's name: PagerDuty's pages (check AM) have front matter without a title and no first heading, as MkDocs
        # takes their titles from the site's navigation.
        titled = (yaml.safe_load(front) or {}).get("title")
        title = str(titled or own or Path(name).stem.replace("_", " ").capitalize())
        heading = f"<h1>{title}</h1>" if front else ""
        page = root / f"{Path(name).stem}.html"
        rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(body)
        page.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
                        f"{heading}{rendered}</body></html>", encoding="utf-8")
        pdf = root / Path(name).name
        print_to_pdf(page, pdf)
        out.append((pdf, name))
    return out


def node_api_sources() -> list[tuple[Path, str]]:
    return [(f, f"node/{f.name}") for f in sorted(NODE_API.glob("*.html")) if f.name != "all.html"]


# Check D's question pages, and as many others to search among, for the printed set.
PRINTED = ("events", "buffer", "child_process", "timers", "cli", "http", "crypto", "path", "dns", "os", "url",
           "util", "querystring", "readline", "zlib", "worker_threads", "string_decoder")


def print_pages(root: Path) -> list[tuple[Path, str]]:
    """Check D's pages printed to PDF by headless Chromium into `root`: (printed file, name in the corpus)."""
    from eval.printing import print_to_pdf

    root.mkdir(parents=True, exist_ok=True)
    out = []
    for name in PRINTED:
        page = NODE_API / f"{name}.html"
        if not page.exists():
            raise SystemExit(f"missing on this machine: {page} (Debian package nodejs)")
        pdf = root / f"{name}.pdf"
        print_to_pdf(page, pdf)
        out.append((pdf, f"node/{name}.pdf"))
    return out


RULES = """  rules:
    - match: "people-ops/**"
      groups: [people-ops]
"""
MANIFEST = """name: unseen
description: Documentation this machine's packages install (bench/unseen_docs.py)
owner: bench@example.com
source:
  path: ./docs
acl:
  default: {groups: [employees]}
""" + RULES + """approval:
  status: approved
  by: bench@example.com
  at: 2026-11-30T00:00:00Z
"""


PACKAGES_HINT = ("Debian packages nodejs/npm, python3-pip, valgrind, libtasn1-doc, shared-mime-info, ninja-build, "
                 "libexpat1-dev, smartmontools, cmake-data, systemd, sqlite3-doc, postgresql-doc-15, r-doc-pdf, "
                 "developers-reference, debian-policy, apache2-doc, python3-doc, debian-handbook, gnu-standards")


def log_candidates(file: Path) -> None:
    """Append, for every question the responder scores, its six best units (kind, score, document, text) to `file`
    as a JSON line: what bench/code_threshold.py reads. Abstentions keep no scores in the answer; this is where they
    are seen."""
    import agent.extractive as extractive

    respond, select = extractive.ExtractiveResponder.respond, extractive.select
    asking = [""]

    def logged_respond(self: Any, question: str, *rest: Any) -> Any:
        asking[0] = question
        return respond(self, question, *rest)

    def logged_select(cands: list[Any], *rest: Any, **named: Any) -> Any:
        top = sorted(cands, key=lambda c: -c.score)[:6]
        with file.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"q": asking[0], "top": [
                {"kind": c.kind, "score": round(c.score, 4), "doc": c.result.document_id, "text": c.text[:600]}
                for c in top]}) + "\n")
        return select(cands, *rest, **named)

    extractive.ExtractiveResponder.respond = logged_respond  # type: ignore[method-assign,assignment]
    extractive.select = logged_select


def build_corpus(root: Path, sources: list[tuple[Path, str]], manifest: str, hint: str = PACKAGES_HINT) -> None:
    missing = [str(src) for src, _ in sources if not src.exists()]
    if missing:
        raise SystemExit(f"missing on this machine ({hint}):\n  " + "\n  ".join(missing))
    for src, name in sources:
        dest = root / "docs" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".gz":
            dest.write_bytes(gzip.decompress(src.read_bytes()))
        else:
            shutil.copyfile(src, dest)
    (root / "corpus.yaml").write_text(manifest)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", type=Path, help="build the corpus and data dir here and keep them")
    ap.add_argument("--log", type=Path, help="append each question's best-scored units here, as JSON lines (for "
                    "bench/code_threshold.py)")
    ap.add_argument("--set", dest="which", choices=tuple(QUESTION_FILES), default="packages",
                    help="check C (the packages' docs, default), check D (Node.js's API reference), check D's "
                    "pages printed to PDF, check E (Ninja's manual, Expat's reference), check F (undici's Markdown "
                    "API pages, CMake's reST manual, systemd's UIDS-GIDS.md), check G (four Python packages' "
                    "READMEs), check H (SQLite's and PostgreSQL's HTML docs, the R FAQ as PDF), check I (Debian's "
                    "Developer's Reference as PDF, Debian Policy chapters and Apache httpd pages as HTML) or check J "
                    "(Python HOWTOs, the Debian Administrator's Handbook, GNU's maintainers' handbook, R's Data "
                    "Import/Export manual as PDF), check K (eight systems papers as PDF, --papers) or check L (pages "
                    "of 18F's handbook, Google's style guides and httpx's docs, two Debian PDFs, --kb) or check M "
                    "(pages of 37signals' and Sourcegraph's handbooks, --company) or check N (pages of WP-CLI's "
                    "handbook, --wpcli) or check O (pages of the GDS Way, --gdsway) or check P (pages of Microsoft's "
                    "engineering playbook and Requests' reST user guide, --playbook) or check Q (pages of Poetry's and "
                    "MkDocs' docs, --poetry) or check R (Flask's reST pages and pip's MyST docs, --flaskpip) or "
                    "check S (the Python Packaging User Guide's reST guides and Black's MyST pages, --pypa) or check T "
                    "(pages of Click's MyST docs, --click) or check U (six more systems papers as PDF, End-to-End "
                    "Arguments restricted, --papers) or check V (pages of Mattermost's handbook and thoughtbot's "
                    "guides, a consulting agreement as PDF, gitignore(5) as HTML, --mattermost) or check W (pages "
                    "of Artsy's handbook and its tech radar as CSV, Nettle's manual as PDF, githooks(5) as HTML, "
                    "--artsy) or check X (pages of the MOJ's Cloud Platform guide and technical guidance, two Apache "
                    "httpd pages as HTML, R's installation manual as PDF, --moj) or check Y "
                    "(pages of dxw's staff handbook, two of its policies printed to PDF, a Debian Administrator's "
                    "Handbook section as HTML, --dxw) or check Z (GitHub's Open Source Guides as Markdown and two "
                    "printed to PDF, pages of Starlette's docs, two Python library pages as HTML, --starlette) or "
                    "check AA (pages of Prometheus's docs as Markdown and two printed to PDF, three chapters of "
                    "Celery's reST user guide, Python's venv page as HTML, --prometheus) or check AB (pages of "
                    "Uvicorn's Markdown docs and its server-behaviour page printed to PDF, pages of Django 3.2's "
                    "HTML docs, --uvicorn) or check AC (restic's reST docs, Fluent Bit's GitBook Markdown with one "
                    "page printed to PDF, Postfix's HTML READMEs, --restic) or check AD (five of Fluent Bit's plugin "
                    "pages of configuration tables printed to PDF, two as Markdown, --fluentbit) or check AE "
                    "(Pi-hole's MkDocs pages, two printed to PDF, Mastodon's roles page, git-stash(1) as HTML, "
                    "--pihole) or check AF (Syncthing's reST docs, Mastodon's upgrade page printed to PDF, "
                    "git-bisect(1) as HTML, --syncthing) or check AG (ripgrep's FAQ as Markdown and its guide "
                    "printed to PDF, Borg's reST pages, git-worktree(1) as HTML, --ripgrep) or check AH (nvm's "
                    "README and direnv's pages as Markdown, pyenv's command reference printed to PDF, pg_hba.conf as "
                    "HTML, --nvm) or check AI (Clef's handbook, fd's README and HTTPie's docs as Markdown, two "
                    "handbook pages printed to PDF, gitcredentials(7) as HTML, --clef) or check AJ (CivicActions' "
                    "guidebook and just's README as Markdown, two guidebook pages printed to PDF, two of coverage.py's "
                    "reST pages, git-cherry-pick(1) as HTML, --civicactions) or check AK (PDM's usage docs as "
                    "Markdown with two pages printed to PDF, pytest's and pipx's reST pages, git-clean(1) as HTML, "
                    "--pdm) or check AL (Hatch's Markdown docs with two pages printed to PDF, tox's reST pages, "
                    "git-restore(1) as HTML, --hatch) or check AM (PagerDuty's incident response docs as Markdown "
                    "with two pages printed to PDF, uv's Markdown pages, git-switch(1) as HTML, --pagerduty) or check "
                    "AN (RQ's Markdown docs with two pages printed to PDF, 18F's development guide, git-tag(1) as "
                    "HTML, --rq) or check AO (Django REST framework's API guide as Markdown with two pages printed to "
                    "PDF, 18F's content guide, PostgreSQL's TRUNCATE page as HTML, --drf) or check AP (Typer's "
                    "tutorial as Markdown with two pages printed to PDF, 18F's Before You Ship guide, git-worktree(1) "
                    "as HTML, --typer)")
    ap.add_argument("--papers", type=Path, help="checks K and U: a clone of github.com/papers-we-love/papers-we-love")
    ap.add_argument("--kb", type=Path, help="check L: a folder holding checkouts of github.com/18F/handbook as "
                    "handbook/, github.com/google/styleguide as styleguide/ and github.com/encode/httpx as httpx/")
    ap.add_argument("--gdsway", type=Path, help="check O: a checkout of github.com/alphagov/gds-way")
    ap.add_argument("--moj", type=Path, help=f"check X: {X_HOLDS}")
    for name, (check, *_, holds) in PRINTING_SETS.items():
        ap.add_argument(f"--{name}", type=Path, help=f"check {check}: {holds}")
    for name, (check, _, holds, _) in CHECKOUT_SETS.items():
        ap.add_argument(f"--{name}", type=Path, help=f"check {check}: {holds}")
    args = ap.parse_args()
    if args.which in ("papers", "morepapers") and args.papers is None:
        ap.error(f"--set {args.which} needs --papers DIR, a clone of github.com/papers-we-love/papers-we-love")
    if args.which == "kb" and args.kb is None:
        ap.error("--set kb needs --kb DIR with checkouts of 18F/handbook, google/styleguide and encode/httpx")
    if args.which == "gdsway" and args.gdsway is None:
        ap.error("--set gdsway needs --gdsway DIR, a checkout of github.com/alphagov/gds-way")
    if args.which == "moj" and args.moj is None:
        ap.error(f"--set moj needs --moj DIR: {X_HOLDS}")
    if args.which in PRINTING_SETS and getattr(args, args.which) is None:
        ap.error(f"--set {args.which} needs --{args.which} DIR: {PRINTING_SETS[args.which][4]}")
    if args.which in CHECKOUT_SETS and getattr(args, args.which) is None:
        ap.error(f"--set {args.which} needs --{args.which} DIR: {CHECKOUT_SETS[args.which][2]}")
    from eval.docs_suite import load_questions, run_docs
    from kernel.settings import Settings
    from wiring.services import offline_environment

    offline_environment()
    if args.log:
        log_candidates(args.log)
    root = args.keep or Path(tempfile.mkdtemp(prefix="cairn-unseen-"))
    questions = load_questions(Path(__file__).with_name(QUESTION_FILES[args.which]))
    if args.which == "readmes":
        build_corpus(root / "source", readme_sources(root / "readmes"), MANIFEST.replace(RULES, ""))
    elif args.which == "papers":
        papers = [(args.papers / path, f"papers/{name}") for path, name in K_PAPERS]
        build_corpus(root / "source", papers, MANIFEST.replace(RULES, ""),
                     hint=f"--papers {args.papers}: a clone of github.com/papers-we-love/papers-we-love")
    elif args.which == "morepapers":
        build_corpus(root / "source", [(args.papers / path, name) for path, name in U_PAPERS], MANIFEST,
                     hint=f"--papers {args.papers}: a clone of github.com/papers-we-love/papers-we-love")
    elif args.which == "kb":
        pages = [(args.kb / path, name) for path, name in L_PAGES]
        build_corpus(root / "source", pages + L_PDFS, MANIFEST,
                     hint=f"--kb {args.kb}: checkouts of 18F/handbook, google/styleguide, encode/httpx; Debian "
                     "packages debian-policy, fontconfig")
    elif args.which == "gdsway":
        pages = [(args.gdsway / "source" / path, name) for path, name in O_PAGES]
        build_corpus(root / "source", render_middleman(pages, root / "rendered",
                                                       "--gdsway: a checkout of github.com/alphagov/gds-way"), MANIFEST)
    elif args.which == "moj":
        pages = [(args.moj / path, name) for path, name in X_PAGES]
        rendered = render_middleman(pages, root / "rendered", f"--moj: {X_HOLDS}")
        build_corpus(root / "source", rendered + X_FILES, MANIFEST, hint=f"--moj {args.moj}: {X_HOLDS}")
    elif args.which in PRINTING_SETS:
        _, pages, to_print, installed, holds = PRINTING_SETS[args.which]
        folder = getattr(args, args.which)
        printed = print_markdown([(folder / path, name) for path, name in to_print], root / "printed",
                                 f"--{args.which}: {holds}")
        # Check AB's restricted page is an installed file, not one of its pages.
        restricted = any(name.startswith("people-ops/") for _, name in [*pages, *to_print, *installed])
        build_corpus(root / "source", [(folder / path, name) for path, name in pages] + printed + installed,
                     MANIFEST if restricted else MANIFEST.replace(RULES, ""), hint=f"--{args.which} {folder}: {holds}")
    elif args.which in CHECKOUT_SETS:
        _, pages, holds, restricted = CHECKOUT_SETS[args.which]
        folder = getattr(args, args.which)
        build_corpus(root / "source",
                     [(folder / path, name) for path, name in pages] + INSTALLED_FILES.get(args.which, []),
                     MANIFEST if restricted else MANIFEST.replace(RULES, ""), hint=f"--{args.which} {folder}: {holds}")
    elif args.which in FILE_SETS:
        build_corpus(root / "source", FILE_SETS[args.which], MANIFEST.replace(RULES, ""))
    elif args.which == "node-api":
        if not (pages := node_api_sources()):
            raise SystemExit(f"missing on this machine: {NODE_API} (Debian package nodejs)")
        # Check D has no restricted folder, so no rule: a rule matching no file is a manifest error.
        build_corpus(root / "source", pages, MANIFEST.replace(RULES, ""))
    elif args.which == "node-api-pdf":
        build_corpus(root / "source", print_pages(root / "printed"), MANIFEST.replace(RULES, ""))
        questions = [dataclasses.replace(q, file=q.file.replace(".html", ".pdf")) for q in questions]
    else:
        build_corpus(root / "source", SOURCES, MANIFEST)
    answers = root / "answers.jsonl"
    try:
        report = run_docs(Settings(), root / "run", questions, out_file=answers, corpus_dir=root / "source")
        for line in answers.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if not row["right"]:
                print(f"  miss {row['id']:18s} ({row['asked_as']}) {row['why'][:60]}: {row['answer'][:80]!r}")
        print(json.dumps(report.to_json()))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
