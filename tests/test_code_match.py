"""A code block or list announced as doing what a how-to question asks (agent/code_match.py)."""

from __future__ import annotations

import pytest

from agent.code_match import asked_action, common_words, does_asked_action, runs_asked_action

INSTALL = ("The first thing you need to do is to install the recursive DNS resolver:\n\n```\n"
           "sudo apt install unbound\n```")
DISABLE = ("To disable the service, run the statement below:\n\n```\n"
           "sudo systemctl disable --now unbound-resolvconf.service\n```")
CHECK = ("Step 1 - Disable the Service\n\nTo check if this service is enabled, run below one:\n\n```\n"
         "systemctl is-active unbound-resolvconf.service\n```")
FIX = "To fix it:\n\n1. Check the current limit:\n2. Temporarily increase the limit."


@pytest.mark.parametrize(("question", "verb"), [
    ("How do I install unbound?", "install"), ("How can we disable the cache?", "disable"),
    ("How to enable HTTP/2?", "enable"), ("How do I make pihole-FTL dump its cache?", None),
    ("What does unbound install?", None), ("How does unbound install its hints?", None),
])
def test_the_asked_action_is_the_verb_after_how_do_i(question: str, verb: str | None) -> None:
    assert asked_action(question) == verb


@pytest.mark.parametrize(("question", "unit", "kind", "heading", "does"), [
    ("How do I install unbound?", INSTALL, "code", "", True),
    ("How do I disable the unbound-resolvconf service?", DISABLE, "code", "", True),
    # the heading names the action, the announcing sentence does something else
    ("How do I disable the unbound-resolvconf service?", CHECK, "code", "", False),
    # the announcing sentence names the action, the block is about something else
    ("How do I install unbound?", "To install it, run:\n\n```\npip install httpx\n```", "code", "", False),
    # a list of steps whose lead-in names the action, its section's heading naming what it fixes
    ("How do I fix the so-rcvbuf warning in unbound?", FIX, "steps", "Fix so-rcvbuf warning in unbound", True),
    ("How do I fix the so-rcvbuf warning in unbound?", FIX, "steps", "", False),
    # a bare block announces nothing; a sentence is no block
    ("How do I install unbound?", "```\nsudo apt install unbound\n```", "code", "", False),
    ("How do I install unbound?", "To install unbound, use your package manager.", "sentence", "", False),
])
def test_a_block_or_list_announced_as_the_asked_action(question: str, unit: str, kind: str, heading: str,
                                                       does: bool) -> None:
    assert does_asked_action(question, unit, kind, heading) is does


NVM = ("To install or update nvm, you should run the install script. To do that, you may either download and run the "
       "script manually, or use the following cURL or Wget command:\n\n```\n"
       "curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.40.6/install.sh | bash\n```")
PWSH = "PowerShell\n\nAdd the following line to your $PROFILE:\n\n```\nInvoke-Expression \"$(direnv hook pwsh)\"\n```"
FISH = ("FISH\n\nAdd the following line at the end of the ~/.config/fish/config.fish file:\n\n```\n"
        "direnv hook fish | source\n```")


@pytest.mark.parametrize(("question", "unit", "heading", "opens", "does"), [
    # an announcing sentence pointing back takes the action from the sentence before it (nvm's README, check AH)
    ("How do I install nvm with curl?", NVM, "Install & Update Script", False, True),
    # the first thing a section named for the asked shell says to do (direnv's setup page, check AH)
    ("How do I enable direnv in PowerShell?", PWSH, "PowerShell", True, True),
    ("How do I set up direnv in fish?", FISH, "FISH", True, True),
    # ... not when the question asks more than the section's name and the action ("mode" is nowhere in the unit)
    ("How do I change the direnv mode in fish?", FISH, "FISH", True, False),
    # ... nor in a section its heading names for more than the question asks about (Pi-hole's unbound page, check AE)
    ("How do I uninstall unbound?", "Fix so-rcvbuf warning in unbound\n\nThe configuration in /etc/unbound/x.conf "
     "sets the buffer size:\n\n```\nso-rcvbuf: 1m\n```", "Fix so-rcvbuf warning in unbound", True, False),
    # ... nor when the unit is not its section's first
    ("How do I enable direnv in PowerShell?", PWSH.partition("\n\n")[2], "PowerShell", False, False),
])
def test_a_block_announced_by_pointing_back_or_opening_its_variants_section(question: str, unit: str, heading: str,
                                                                          opens: bool, does: bool) -> None:
    assert does_asked_action(question, unit, "code", heading, opens, "Setup") is does


PINNED = "Verify it\n\n```\n$ pipx list --pinned\n```"
TESTPYPI = "```\npdm publish --repository testpypi\npdm publish --repository https://test.pypi.org/legacy/\n```"
FISH_ACTIVATE = "Fish:\n\n```\n$ eval (pdm venv activate for-test)\n```"
BASH_ACTIVATE = "Bash/csh/zsh:\n\n```\n$ eval $(pdm venv activate for-test)\n```"
PRUNE = ("You can automate this two-step process by using the --prune switch to forget:\n\n```\n"
         "$ restic forget --keep-last 1 --prune\nremove 1 snapshots:\nID        Date\n```")
RUN = ("To run directly from within a Python program, you should use uvicorn.run(app, **config). For example:\n\n```\n"
       "uvicorn.run(\"main:app\", host=\"127.0.0.1\", port=5000)\n```")


@pytest.mark.parametrize(("question", "unit", "title", "headings", "common", "runs"), [
    # the command's verb is the asked action, and the block with its heading holds every word of the question
    # ("packages" as "package"s): bare under "Verify it" (pipx's pinning page, check AK)
    ("How do I list pinned pipx packages?", PINNED, "Pin packages", ["Verify it"], frozenset(), True),
    # a word the page says everywhere need not be in the block: the page is about the package it publishes
    ("How do I publish my package to TestPyPI with PDM?", TESTPYPI, "Build and Publish", [], frozenset({"packag"}),
     True),
    ("How do I publish my package to TestPyPI with PDM?", TESTPYPI, "Build and Publish", [], frozenset(), False),
    # the verb third in its line; "shell" is the page's, "fish" is only this block's
    ("How do I activate a PDM virtualenv in the fish shell?", FISH_ACTIVATE, "Working with Virtual Environments",
     ["Activate a virtualenv"], frozenset({"shell"}), True),
    ("How do I activate a PDM virtualenv in the fish shell?", BASH_ACTIVATE, "Working with Virtual Environments",
     ["Activate a virtualenv"], frozenset({"shell"}), False),
    # the verb only as an option, or past the command's first words, runs nothing asked
    ("How do I list pinned pipx packages?", "Pin packages\n\n```\n$ pipx pin black --list\n```", "Pin packages", [],
     frozenset(), False),
    ("How do I list pinned pipx packages?", "```\n$ pipx run --spec black black pinned list\n```", "Pin packages", [],
     frozenset(), False),
    # where lines are prompted with "$", the others are output: "remove 1 snapshots:" is no command (restic, check AC)
    ("How do I remove a single snapshot?", PRUNE, "Removing snapshots", [], frozenset({"single", "snapsh"}), False),
    # a block holding nothing the question asks but the verb, every other word being the page's (Uvicorn, check AB)
    ("How do I run supervisor with that configuration?", RUN, "Deployment", ["Running programmatically"],
     frozenset({"superv", "config"}), False),
    # a synopsis runs every subcommand: the asked one must say the question's words itself (git-stash(1), check AE)
    ("How do I apply a stash on a new branch?", "SYNOPSIS\n\n```\ngit stash apply [--index] [-q | --quiet] [<stash>]\n"
     "git stash branch <branchname> [<stash>]\n```", "git-stash(1) Manual Page", ["SYNOPSIS"], frozenset({"new"}),
     False),
    # a comment is no command (python-dotenv's README, check G)
    ("How do I load a .env file in IPython?", "```\nconfig = {\n    **dotenv_values(\".env.shared\"),  # load shared "
     "variables\n}\n```", "python-dotenv", ["IPython"], frozenset({"file", "env"}), False),
    ("How do I load a .env file in IPython?", "```\n%load_ext dotenv  # in IPython\n%load dotenv\n```", "python-dotenv",
     ["IPython"], frozenset({"file", "env"}), True),
    # a setting's key is no command: Compose's "build: ." (Uvicorn's Docker page, check AB)
    ("How do I build the Docker image?", "Let's create a docker-compose.yml file:\n\n```\nservices:\n  backend:\n"
     "    build: .\n```", "Docker", ["Docker image"], frozenset(), False),
    ("How do I build the Docker image?", "```\ndocker build -t my-app .\n```", "Docker", ["Docker image"],
     frozenset(), True),
    # no how-to question, or no code block
    ("Which pipx packages are pinned?", PINNED, "Pin packages", ["Verify it"], frozenset(), False),
    ("How do I list pinned pipx packages?", "Run pipx list --pinned to list pinned packages.", "Pin packages", [],
     frozenset(), False),
])
def test_a_block_running_the_asked_action_by_name(question: str, unit: str, title: str, headings: list[str],
                                                  common: frozenset[str], runs: bool) -> None:
    kind = "code" if "```" in unit else "sentence"
    assert runs_asked_action(question, unit, kind, title, headings, common) is runs


def test_a_pages_common_words_are_those_of_three_paragraphs_or_more() -> None:
    page = ("Publish your package.\n\nThe package is built first.\n\nUpload packages to TestPyPI.\n\n"
            "```\npdm publish --repository testpypi\n```")
    assert common_words(page) == {"packag"}
