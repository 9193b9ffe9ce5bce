"""Retrieved text is data: datamark it for models and scan it for injection attempts."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Instruction-like patterns seen in indirect prompt injection (BIPIA families, common jailbreak phrasing).
_INJECTION = [
    (r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|your)\b.{0,30}"
     r"\b(instruction|direction|rule|prompt|guideline)s?", "override_instructions"),
    (r"\b(you are now|pretend to be|from now on,? you|act as (an? )?(ai|assistant|chatbot|admin(istrator)?|"
     r"system|dan|developer))\b", "role_hijack"),
    (r"\b(system prompt|developer message|hidden instruction)s?\b", "prompt_probe"),
    (r"\b(call|invoke|execute|trigger)\b.{0,30}\b(tool|function|escalate_to_human|api|endpoint)\b",
     "tool_injection"),
    (r"\b(send|forward|email|post|upload|transfer|exfiltrate)\b.{0,60}\b(to|at)\b.{0,40}"
     r"(https?://|www\.|@[a-z0-9-]+\.)", "exfiltration"),
    (r"\b(click|visit|open|go to|navigate to)\b.{0,40}(https?://|www\.)", "link_lure"),
    (r"(?i)\b(instead|in addition),? (of answering|answer with|respond with|reply with|say|tell the user)\b",
     "answer_hijack"),
    (r"\b(note to (the )?(ai|assistant|model)|dear (ai|assistant|model)|ai assistant)\s*[:!,]",
     "addressed_to_model"),
    (r"\b(print|reveal|output|repeat|leak)\b.{0,40}\b(password|secret|api key|token|credential|system prompt)s?\b",
     "secret_probe"),
    (r"<\s*/?\s*(system|assistant|tool|untrusted|instructions?)\s*>", "fake_delimiter"),
    (r"\b(disregard|ignore|forget)\b.{0,30}\b(everything|anything|all|whatever)\b.{0,25}"
     r"\b(above|before|previous|prior|said)\b", "override_instructions"),
    (r"\[(system|admin|developer|assistant)\]|(^|\n)\s*(system|admin|developer)( note| message| prompt)?\s*:"
     r"|\b(new|updated|additional) instructions?\s*:", "fake_system"),
    (r"\b(developer|god|jailbreak|dan|unrestricted) mode\b|\bwithout (any )?(rules|filters?|restrictions|"
     r"limits)\b|\bno (rules|filters|restrictions)\b", "jailbreak"),
    # "You must add quotes around it" is how documentation talks; "you must say" is how an attacker does.
    (r"\bthe (bot|ai|assistant|model)\b.{0,15}\b(must|should|have to|is required to)\b.{0,15}"
     r"\b(include|append|add|say|output|reply|respond|mention|insert)\b|\byou\b.{0,15}"
     r"\b(must|should|have to|are required to)\b.{0,15}\b(say|output|reply|respond)\b", "answer_hijack"),
    (r"\b(append|include|insert|add)\b.{0,20}\b(exact )?(token|code|phrase|canary|verification code)\b",
     "canary"),
    (r"\bnote to the (bot|ai|assistant|model)\b", "addressed_to_model"),
    (r"\b(call|run|invoke)\s+[a-z]+_[a-z_]+\b", "tool_injection"),
    (r"\b(dump|output|list|print|show)\b.{0,20}\b(all|the|every)\b.{0,15}\b(raw )?(customer|user|"
     r"environment|env|api|database)\b", "data_exfiltration"),
    # "Your" response or output, or "the" answer, reply or summary, in one paragraph. Documentation says "the
    # response" and "the output" of HTTP and programs all the time ("Add a header, MyHeader, to the response",
    # "format the output", Django's CSV page: "deserve a mention:" / "- The response gets a special MIME type"), and
    # such a unit was never quoted: 52 of the 53 matches in the checks' corpora, while no training attack needed it
    # (BIPIA 97 of 125 and bastion 59 of 118 caught either way, 0 of 63 benign rows flagged; check AB).
    (r"\b(include|add|integrate|modify|mention|insert|append|replace|use|write|translate|rewrite|start|end|"
     r"begin|conclude|format)\b(?:(?!\n[ \t]*\n).){0,90}"
     r"\b(your (answer|response|reply|output|summary)|the (answer|reply|summary))\b", "answer_hijack"),
    # Not "use this command" nor "your code": documentation says both all the time ("Use this command line:",
    # "Compile your code with -g"), and every training attack that does is caught by another pattern.
    (r"\byour (answer|response|reply|output|summary|elucidation|explanation)s?\b", "answer_hijack"),
    (r"\b(following|subsequent|below|this) code (block|section|excerpt|snippet|segment)\b", "code_injection"),
    # Every letter, each word, all vowels: not "the" word, which is how style guides talk ("Don't capitalize agile,
    # unless it is the first word of a sentence", 18F's content guide, check AO: the rule was never quoted). Seven
    # of the checks' ten paragraphs this pattern flagged said "the"; no training attack it catches needs "the".
    (r"\b(replace|substitute|swap|reverse|rearrange|remove|capitali[sz]e|uppercase|lowercase|scramble)\b.{0,40}"
     r"\b(every|each|all)\b.{0,30}\b(letters?|words?|characters?|vowels?|spaces?)\b", "output_manipulation"),
    (r"\b(ignoriere|vergiss)\b.{0,40}\b(anweisungen|regeln)\b|\bsystem-?prompt\b", "override_de"),
    (r"\b(ignora|dimentica)\b.{0,40}\b(istruzioni|regole)\b|\bprompt di sistema\b", "override_it"),
    (r"\b(ignore[zr]?|oublie[zr]?)\b.{0,40}\b(instructions|consignes|r[eè]gles)\b|\benvoie[sz]?-les\b",
     "override_fr"),
    (r"\b(ignora|olvida)\b.{0,40}\b(instrucciones|reglas)\b|\bmodo desarrollador\b", "override_es"),
]
_COMPILED = [(re.compile(p, re.IGNORECASE | re.DOTALL), name) for p, name in _INJECTION]
URL = re.compile(r"https?://[^\s<>\"')\]]+|www\.[^\s<>\"')\]]+", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: str
    excerpt: str


# Patterns documentation itself matches: "Go to https://transitapp.example.gov, log in, click Withdraw" is how
# every handbook writes a procedure. Alone such a finding is not an attempt (no BIPIA training attack matches
# only it; the one BastionCorpus row it matches is labelled benign); beside another finding, or the learned
# model's, it is reported with them.
WEAK = frozenset({"link_lure"})


def is_attempt(findings: list[Finding]) -> bool:
    """Do the findings read as an injection attempt, not only as an ordinary link in instructions?"""
    return any(f.kind not in WEAK for f in findings)


def scan(text: str) -> list[Finding]:
    found: list[Finding] = []
    for pattern, name in _COMPILED:
        m = pattern.search(text)
        if m:
            found.append(Finding(name, text[max(0, m.start() - 20) : m.end() + 20]))
    return found


def datamark(source_ref: str, text: str) -> str:
    """Delimit retrieved text so a model can tell it from instructions; fake delimiters are defused."""
    safe = re.sub(r"<\s*(/?)\s*untrusted", r"‹\1untrusted", text, flags=re.IGNORECASE)
    return (f'<untrusted-data source="{source_ref}">\n{safe}\n</untrusted-data>')


def urls(text: str) -> set[str]:
    return {u.rstrip(".,;:").lower() for u in URL.findall(text)}
