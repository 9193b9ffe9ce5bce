"""Units that cannot answer a question (agent/vetoes.py)."""

from __future__ import annotations

import pytest

from agent.vetoes import (
    absent_name,
    asked_names,
    asks_how_to,
    opposite,
    other_day,
    other_member,
    other_number,
    other_value,
    other_version,
    other_year,
    poses_question,
    restates,
    says_how,
    versioned_names,
)


def test_versioned_names_are_letters_fused_to_a_number() -> None:
    assert versioned_names("FY26 plans, HTTP/1.1, SOCKS4a and IL-6, not Python 3 or in 2010") == {
        ("fy", "26"), ("http", "1.1"), ("socks", "4a"), ("il", "6")}
    # ... or a number after the word "version" itself
    assert versioned_names("an RFC 4122 version 4 UUID, Version 2.1 of the spec, versions 3 to 5") == {
        ("version", "4"), ("version", "2.1")}
    # ... but not the release part of a tagged version: Poetry's libraries page writes "1.0.0-hotfix.1" bare, and
    # "the version 1.0.0-hotfix.1" read as "version 1.0.0" vetoed the page as never naming it
    assert versioned_names("instead of the version 1.0.0-hotfix.1, or version 2.0.0-beta") == set()
    # A one-letter name ("Q2", "P5") is a version only beside another version of it (`other_version`): "What was
    # Apple's revenue for Q2 2007?" is answered by a paragraph saying "the second fiscal quarter".
    assert versioned_names("P1 and Q2 2007") == set()
    assert versioned_names("P1 and Q2 2007", letters=1) == {("p", "1"), ("q", "2")}


@pytest.mark.parametrize(("question", "text", "expected"), [
    ("When are FY26 reviews due?", "FY25 reviews are due in June.", ("fy26", "fy25")),
    ("Does it support SOCKS4a?", "SOCKS5 proxies need the socks extra.", ("socks4a", "socks5")),
    ("Does httpx speak HTTP/3?", "Enable HTTP/2 with http2=True.", ("http3", "http2")),
    # a near-miss on Node.js's crypto page: it generates version 4 UUIDs only
    ("How do I generate a version 7 UUID with the crypto module?", "Generates a random RFC 4122 version 4 UUID.",
     ("version 7", "version 4")),
    ("What changed in version 2?", "Since version 2.0 the API is async; version 1.4 was the last sync one.", None),
    # the asked version is there, however it is written
    ("When are FY26 reviews due?", "FY 26 reviews follow the FY25 ones.", None),
    ("Is HTTP/2 supported?", "HTTP2 is supported.", None),
    # a plural, or a letter variant of the same number, is not another version
    ("How many DB10s were made?", "Ten DB10 cars were built.", None),
    ("Is FoxO3a activated?", "FoxO3 is activated by stress.", None),
    # the other version is named by the question too (a comparison)
    ("How does HTTP/1.1 differ from HTTP/2?", "HTTP/2 multiplexes requests.", None),
    # a one-letter name only against another version of it: a priority table of P1 to P4 does not give P5's
    ("What is the response time for a P5 incident?", "Classification: #P4 | Response time: 1 business day",
     ("p5", "p4")),
    # nothing versioned, or no other version in the passage
    ("How many days of leave?", "FY25 leave is 25 days.", None),
    ("Does it support SOCKS4a?", "Proxies are configured per client.", None),
])
def test_other_version(question: str, text: str, expected: tuple[str, str] | None) -> None:
    assert other_version(question, text) == expected


@pytest.mark.parametrize(("question", "text", "expected"), [
    ("Why are nested loops difficult to optimize for tracing VMs?",
     "Nested loops can be difficult to optimize for tracing VMs.", True),
    ("Why are nested loops difficult to optimize for tracing VMs?",
     "In a naive implementation, inner loops would become hot first.", False),
    ("How many days of leave do employees get?", "Employees get 25 days of leave.", False),  # a number is a word
    # asked how many, so is a quantifier (Fluent Bit's modify filter, check AC); asked otherwise it adds nothing
    ("How many conditions must be true for the rules to be applied?",
     "All conditions must be true for the rules to be applied.", False),
    ("Which conditions must be true for the rules to be applied?",
     "All conditions must be true for the rules to be applied.", True),
    ("When are salaries reviewed?", "Salaries are reviewed every April.", False),
    # a yes/no question is answered by restating it
    ("Does the client support HTTP/2?", "The client supports HTTP/2.", False),
])
def test_restates(question: str, text: str, expected: bool) -> None:
    assert restates(question, text) is expected


@pytest.mark.parametrize(("question", "document", "expected"), [
    ("Which company was targeted by hackers in November 2004?", "In 2005 and 2006 the company was attacked.",
     ("2004", "2005")),
    ("What happened in 2004?", "In 2004 and 2005 the company grew.", None),  # the asked year is there
    ("What happened in 2004?", "The company grew quickly.", None),  # no year to contradict it
    ("What brought attention to solar power in the 1970s?", "The 1973 oil crisis did.", None),  # a decade
    # a year the question names too is no other year
    ("How did 2004 compare with 2005?", "Sales rose in 2005.", None),
])
def test_other_year(question: str, document: str, expected: tuple[str, str] | None) -> None:
    assert other_year(question, document) == expected


@pytest.mark.parametrize(("question", "document", "expected"), [
    # a page on real-time signals 0 to 7 does not answer about signal 8
    ("What does real-time signal 8 do in FTL?", "Real-time signal 0 (35) reloads. Real-time signal 1 (36) is "
     "reserved. Real-time signal 7 (42) scans tables.", ("signal 8", "signal 0")),
    # named, or its number written elsewhere: the page may answer
    ("What does real-time signal 7 do?", "Real-time signal 0 reloads. Real-time signal 7 scans.", None),
    ("What does step 3 do?", "Step 1 opens it. Step 2 saves it. 3. Close it.", None),
    # one other member is no series; a count is no member
    ("What does signal 8 do?", "Signal 0 reloads.", None),
    ("Does it take at least 3 days?", "At least 1 day, at most 2 days, at least 5 weeks.", None),
])
def test_other_member(question: str, document: str, expected: tuple[str, str] | None) -> None:
    assert other_member(question, document) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("I tried running a Java program under Valgrind but something went wrong. Does Valgrind handle such programs?",
     True),
    ('She asked: "Is it really over?"', True),
    ("Why? Because the pool is shared.", False),  # a question answered in the same unit
    ("It was the first (and last?) release of the year.", False),
])
def test_poses_question(text: str, expected: bool) -> None:
    assert poses_question(text) is expected


@pytest.mark.parametrize(("question", "names"), [
    ("How long is paid family leave for bonding in Washington state?", [["Washington"]]),
    ("How many records has Beyoncé sold in the United States?", [["Beyoncé"], ["United", "States"]]),
    # a possessive ends a name
    ("What is the maximum line length in Google's Python style guide?", [["Google"], ["Python"]]),
    # a clause's first word is capitalized for being first, an honorific's full stop ends no clause
    ("My password has slashes. How do I write it in the URL?", [["URL"]]),
    ("Find the $ value paid to Mr. Zoy?", [["Mr", "Zoy"]]),
    # dates are not subjects, nor is "I"
    ("Can I take leave in May?", []),
    ("What was the film's Friday-Sunday gross?", []),
    # "OK" is a word, not a name: a call-etiquette page never writes it (check AM)
    ("Is it OK to tell the Incident Commander I don't know something?", [["Incident", "Commander"]]),
    ("Is it okay to ask? Is that OK with Okta?", [["Okta"]]),
    # a claim is in its author's words; a question in title case capitalizes everything
    ("Apolipoprotein E4 carriers have increased risk for Alzheimer's disease.", []),
    ("How Do I Reset My Password?", []),
    # a question with several names is no title
    ("How do I install WP-CLI with Chocolatey on Windows?", [["WP-CLI"], ["Chocolatey"], ["Windows"]]),
])
def test_asked_names(question: str, names: list[list[str]]) -> None:
    assert asked_names(question) == names


@pytest.mark.parametrize(("question", "document", "absent"), [
    ("How long is paid family leave for bonding in Washington state?",
     "Paid family leave in California, New York and Oregon.", "Washington"),
    ("What is the maximum line length in Google's Python style guide?", "Google's shell style guide.", "Python"),
    # named however it is written: accents, plurals, compounds, a one-letter slip, an abbreviation either way
    ("How many records has Beyonce sold in the United States?", "Beyoncé sold 100 million records in the U.S.", None),
    ("Who tied her record for most Grammies won in one night?", "She won six Grammys that night.", None),
    ("What song came out of The Fighting Tempations?", "The Fighting Temptations soundtrack.", None),
    ("Does the therapy help HIV-positive people?", "A therapy for people with HIV who test positive.", None),
    # a versioned name, whether or not the document names another version
    ("Does httpx support HTTP/3?", "httpx.Request() does not support the auth argument.", "http3"),
    ("Does httpx support HTTP/2?", "Enable HTTP2 with the http2 extra.", None),
    ("What can I use instead of the version 1.0.0-hotfix.1?", "1.0.0-hotfix.1 is not compatible with PEP 440.",
     None),
    # a person is named by the last name
    ("Where did Daniel Craig have knee surgery?", "Craig had surgery in New York.", None),
    ("What does the IRS collect?", "The Internal Revenue Service collects taxes.", None),
    ("What does the Internal Revenue Service collect?", "The IRS collects taxes.", None),
    # an identifier is looked up as it is written, through a line break after its hyphen
    ("Which GitHub teams can access the cloud-platform-security-issues repository?",
     "Confirm that you're a member of the GitHub team assigned in your rbac.yaml file.",
     "cloud-platform-security-issues"),
    ("Which teams can read the cloud-platform-security-issues repository?",
     "Access to the cloud-platform-\nsecurity-issues repository is private.", None),
    ("Does load_dotenv override variables?", "Variables are read from .env files.", "load_dotenv"),
    # an English compound is not an identifier: pages write it with spaces too
    ("How do I turn on an out-of-office reply?", "Set an out of office reply in settings.", None),
    ("Which country pulled iPods for higher-than-allowed volume levels?", "France pulled iPods for loud volume.",
     None),
    # a word of three letters is no plural: "TLS" is not "tl", which "settle" and "subtle" hold
    ("How do I forward queries over DNS-over-TLS?", "The DNS server settles a query over a subtle TLD.",
     "DNS-over-TLS"),
    ("Which APIs does the server expose?", "The server exposes an API.", None),
])
def test_absent_name(question: str, document: str, absent: str | None) -> None:
    assert absent_name(question, document) == absent


@pytest.mark.parametrize(("question", "text", "expected"), [
    # SQuAD 2.0's unanswerable questions state a number the paragraph puts otherwise, in the same place
    ("The film opened on 11 of what month in China?", "In China, it opened on 12 November.", ("11", "12")),
    ("What is the name of the thirty-fourth James Bond film?", "Spectre is the twenty-fourth James Bond film.",
     ("34", "24")),
    ("Who has been creating a need for the Ten Eyes programme?", "Spectre created a need for the Nine Eyes "
     "programme.", ("10", "9")),
    ("On Metacritic, the film has a rating of 70 out of what?", "On Metacritic, the film has a rating of 60 out of "
     "100.", ("70", "60")),
    # the stated number is there, however it is written
    ("How do I set a 60 second connect timeout?", "timeout = httpx.Timeout(10.0, connect=60.0)", None),
    ("How many people live in the 1,200 homes?", "The 1200 homes house 3,000 people.", None),
    # alternatives the question names itself: a text holding one of them answers it
    ("Should I use 3 or 6 character hexadecimal notation?", "Use 3 character hexadecimal notation.", None),
    # another number elsewhere, beside other words, says nothing against it
    ("How many hours did the 5th-generation iPod last?", "Apple advertised 14 hours for the new model.", None),
    # a decade or a date is not one quantity; a claim states no premise
    ("Which city held the most slaves in the 1700s?", "It had slaves in 42% of households by 1730.", None),
    ("What did the city spend by 2/21/2016?", "As of 21 February 2016 it had spent $9 million.", None),
    ("Four weeks of treatment reduce symptoms.", "Six weeks of treatment reduce symptoms.", None),
    # a yes/no question is answered by the other number ("No: five.")
    ("Do up to ten unused days carry over?", "Up to five unused days carry over.", None),
    # a number inside the range the text gives, and one glued to letters (an escape, a quarter)
    ("How much leave do I earn per pay period after 5 years?", "Between 3 and 15 years: 6 hours per pay period",
     None),
    ("Is a bare Unicode escape like \\u03bcs acceptable?", "An escape like \\u00b5s is poor.", None),
])
def test_other_number(question: str, text: str, expected: tuple[str, str] | None) -> None:
    assert other_number(question, text) == expected


@pytest.mark.parametrize(("question", "text", "expected"), [
    ("Who was the youngest actress to be a Bond girl?", "She became the oldest actress to be cast as a Bond girl.",
     ("youngest", "oldest")),
    ('Which city holds the record for "Smallest film stunt explosion"?', 'Morocco holds the record for the "Largest '
     'film stunt explosion".', ("smallest", "largest")),
    ("Who was the youngest actress?", "The youngest and the oldest actress met.", None),  # the asked one is there
    ("Which is the oldest or the youngest?", "The oldest one is Bellucci.", None),  # the question names both
    ("The youngest actress was cast.", "The oldest actress was cast.", None),  # a claim asks nothing
])
def test_opposite(question: str, text: str, expected: tuple[str, str] | None) -> None:
    assert opposite(question, text) == expected


@pytest.mark.parametrize(("question", "text", "expected"), [
    ("Spectre had its world premiere on 26 December of what year?", "It had its world premiere on 26 October 2015.",
     ("december", "october")),
    ("The film's Friday-Sunday gross was how much?", "Its Friday-Saturday gross was 20 million.",
     ("sunday", "saturday")),
    ("When was it released on 26 December?", "It was released on 26 December 2015.", None),  # stated and held
    ("What happened in December?", "In October the film opened; in March it closed.", None),  # not beside the same
    ("When may employees apply in March?", "Employees apply in June.", None),  # "may" is a verb; nothing beside
])
def test_other_day(question: str, text: str, expected: tuple[str, str] | None) -> None:
    assert other_day(question, text) == expected


def test_other_value_is_the_first_thing_put_otherwise() -> None:
    assert other_value("What is the response time for a P5 incident?", "P4: one business day") == ("p5", "p4")
    assert other_value("Who was the youngest actress?", "the oldest actress") == ("youngest", "oldest")
    assert other_value("Who was the youngest actress?", "the youngest actress was cast") is None


def test_a_how_to_question_is_answered_by_what_to_do() -> None:
    """Check R's restricted "How do I force pip's hash-checking mode on?" was answered for an employee from a public
    page that only describes the mode; "How does X work?" asks for a description, and is no how-to question."""
    assert asks_how_to("How do I force pip's hash-checking mode on?") and asks_how_to("how to reset a password")
    assert asks_how_to("How can we add vendor prefixes automatically?")
    assert not asks_how_to("How does Bigtable store tablet locations?") and not asks_how_to("How many workers?")
    for says in ("Run pip install --require-hashes.", "pip cache purge will clear all files from the caches.",
                 "To force it, pass the option on the command line.", "You can do so in the settings page.",
                 "Consider using autoprefixer.", "Passwords are reset by calling the help desk.",
                 "1. Open the settings\n2. Click Reset", "```\nmake install\n```", "Set PIP_CERT=/etc/ca.pem.",
                 "The maximum length can be lowered at run-time.", "The propagate flag is set to a false value.",
                 "To join the stampers, drop a message on #dev-chat.", "Removing the cache\n\npip cache purge will "
                 "clear all files.", "Flag the PR title with #migration.",
                 # a handbook's practice, what "we" do (Artsy's data migrations)
                 "We traditionally call out PRs needing manual migrations in the PR title.",
                 "We use the hokusai tool to drive this process.",
                 # the way to do it, named (Starlette's test client page, check Z)
                 "The simplest way to work around this is to just make your entire test async.",
                 # a FAQ's answer opening "Yes," and what lets you learn what is asked (Prometheus's docs, check AA)
                 "Can Prometheus be made highly available?\n\nYes, run identical Prometheus servers on two machines.",
                 "Each stage can export the most recent heartbeat timestamp it has seen, letting you know how long "
                 "items are taking to propagate through the system.",
                 # the doing of it as the subject (git-worktree(1), check AG)
                 "If the main worktree is moved, linked worktrees will be unable to locate it. Running repair in the "
                 "main worktree will reestablish the connection."):
        assert says_how(says), says
    for describes in ("Hash-checking mode is a labour-saving alternative to running a private index server: it "
                      "removes the need to upload packages and keep an audit trail.",
                      "Poetry installs all the dependencies in editable mode. Thus, tests are running against the "
                      "local files, e.g. the package.",
                      "Deployed services sometimes need sensitive configuration such as API keys.",
                      "We're excited that you've decided to interview with us.", "C# is ranked #1 among them.",
                      "This way the cache is never stale.", "Yesterday the cache was stale.",
                      "The dashboard lets you down when the data is late.",
                      # a heading opening with a doing is no sentence saying how (pip's requirements files, check R)
                      "Using environment variables\n\nNew in version 10.0.\n\nPip supports the use of environment "
                      "variables inside the requirements file."):
        assert not says_how(describes), describes
