"""Write the dev set's generated office files (.docx, .pptx, .eml) from public-domain 18F handbook text.

    .venv/bin/python eval/docs/make_generated.py

Real knowledge bases hold Word files, slide decks and mail, and no public documentation set ships them with a
licence that lets us keep them here. These three carry text of 18F handbook pages (CC0, commit in README.md),
retyped into the structure each format has: a Word heading and numbered steps, slides with bullets and a
table, a mail with its headers. The outputs are committed; re-running rewrites them byte-for-byte apart from
the timestamps the formats embed.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

OUT = Path(__file__).parent / "corpus" / "docs" / "generated"

SPEAKER_STEPS = [
    "Make a local copy of the Outside Speaker Checklist. It will help you spot any issues and the Office of "
    "General Counsel will use this document to review your event. You will not need to turn this form in.",
    "Have each outside speaker sign a Gratuitous Services Agreement in advance of the event.",
    "Optional: If you plan to record or take photographs of the speaker, have them fill out the GSA Model "
    "Release Form.",
    "Put the signed Gratuitous Services Agreement and GSA Model Release Form (if applicable) in the Gratuitous "
    "Services Agreement folder.",
    "Invite your speaker and let the team know on different Slack channels such as #upcoming-in-guilds.",
]


def speakers_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Guidance on hosting non-government speakers", level=1)
    d.add_paragraph(
        "TTS teams, Guilds, and Working Groups have the opportunity to invite individuals outside of the "
        "government to speak to our teams. Guest speakers provide a unique opportunity for federal employees "
        "to learn from industry professionals on modern practices.")
    d.add_paragraph("Unfortunately, we can not compensate guests for their time and are currently working on "
                    "ways to allocate an honorarium.")
    d.add_heading("Steps for virtual meetings", level=2)
    d.add_paragraph("If you'd like to host a non-government speaker at a guild meeting, training, workshop, or "
                    "other TTS gathering, you must follow the steps and guidelines below.")
    for step in SPEAKER_STEPS:
        d.add_paragraph(step, style="List Number")
    d.add_paragraph(
        "The Gratuitous Services Agreement is necessary because the Antideficiency Act does not permit federal "
        "agencies to accept voluntary services unless someone offering such services executes an advance "
        "written agreement that states that the services are offered without expectation of payment, and "
        "expressly waives any future pay claims against the government.")
    d.add_heading("In-person meeting", level=2)
    d.add_paragraph(
        "If the event takes place in a physical location, follow steps 1-4 and check out the Office of "
        "Administrative Services Event and Travel Approval Matrix to make sure you get the proper approvals "
        "for the event.")
    d.add_paragraph(
        "If it's going to take place after hours, you will also have to coordinate with the Office of Mission "
        "Assurance and building management for any special after hours security issues.")
    d.save(str(path))


CHANNEL_AFFIXES = [
    ("admins-", "Administrators for various tools, for example to request invites to Slack or change the name "
                "of a channel."),
    ("-partner", "Channels that include partners from other agencies."),
    ("-public", "Channels that include members of the public."),
]


def slack_pptx(path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    p = Presentation()
    s = p.slides.add_slide(p.slide_layouts[0])
    s.shapes.title.text = "Slack channel usage and best practices"
    s.placeholders[1].text = "TTS onboarding"
    s = p.slides.add_slide(p.slide_layouts[1])
    s.shapes.title.text = "Is the content in a channel viewable by everyone?"
    body = s.placeholders[1].text_frame
    body.text = ("Conversations and content in public channels are searchable and viewable by anyone in TTS "
                 "Slack.")
    for line in ("Public channels have a # symbol in front of the channel name.",
                 "Content in private channels is only searchable by channel members.",
                 "Private channel content and direct messages can still be publicly published in a FOIA "
                 "request."):
        body.add_paragraph().text = line
    s = p.slides.add_slide(p.slide_layouts[5])
    s.shapes.title.text = "Channel names"
    table = s.shapes.add_table(len(CHANNEL_AFFIXES) + 1, 2, Inches(0.5), Inches(1.5), Inches(9),
                               Inches(3)).table
    table.cell(0, 0).text, table.cell(0, 1).text = "prefix/suffix", "description"
    for i, (affix, text) in enumerate(CHANNEL_AFFIXES, start=1):
        table.cell(i, 0).text, table.cell(i, 1).text = affix, text
    p.save(str(path))


CHICAGO_BODY = """\
Hi all,

Welcome to the TTS Chicago office. The office is at 230 S. Dearborn St., 35th floor SW, Chicago, IL 60604.
TTS uses space on the 35th floor. The keycode is pinned in #chitown.

Getting here from O'Hare: public transit from O'Hare to the TTS Chicago office is cheap, fairly quick, and
convenient. Blue Line trains run from the airport to downtown 24/7 and take about 50 minutes. The closest
stop to the office is Jackson.

Getting here from Midway: the smaller of the two Chicago airports is a little closer to downtown. It is only a
25 minute ride down the CTA Orange Line. While the Orange Line doesn't run 24/7 like the Blue, it does have
regular service between 4:30 a.m. and 1 a.m.

See you soon,
Dave Lamb
Chicago field office
"""


def chicago_eml(path: Path) -> None:
    m = EmailMessage()
    m["Subject"] = "Welcome to the TTS Chicago office"
    m["From"] = "Dave Lamb <jckfieldoffice@gsa.example>"
    m["To"] = "tts-chicago@gsa.example"
    m["Date"] = "Tue, 04 Mar 2025 09:12:00 -0600"
    m.set_content(CHICAGO_BODY)
    path.write_bytes(bytes(m))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    speakers_docx(OUT / "outside-speakers.docx")
    slack_pptx(OUT / "slack-channels.pptx")
    chicago_eml(OUT / "chicago-office.eml")
    print(f"wrote {sorted(p.name for p in OUT.iterdir())}")


if __name__ == "__main__":
    main()
