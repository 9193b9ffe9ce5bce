"""Build real documents of every supported type for tests (no fixtures checked in as binaries)."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import yaml

from ingest.minimal_pdf import pdf_bytes


def write_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Travel policy", level=1)
    d.add_paragraph("Employees book travel through the internal portal at least two weeks ahead.")
    d.add_heading("Per diem", level=2)
    d.add_paragraph("The daily allowance for meals is forty euros in every country.")
    d.save(str(path))


def write_pptx(path: Path) -> None:
    from pptx import Presentation

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Quarterly security review"
    slide.placeholders[1].text = "Every laptop must use full disk encryption before it leaves the office."
    prs.save(str(path))


def write_eml(path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "it@example.com"
    msg["To"] = "all@example.com"
    msg["Subject"] = "Password rotation"
    msg.set_content("All staff must rotate their VPN password every ninety days starting in January.")
    path.write_bytes(bytes(msg))


def manifest(root: Path, name: str, source: dict[str, object], acl: dict[str, object],
             status: str = "approved") -> Path:
    data = {
        "name": name, "description": f"{name} test corpus", "owner": "content@example.com",
        "source": source, "acl": acl,
        "approval": {"status": status, "by": "alice@example.com", "at": "2026-11-20T10:00:00Z"},
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "corpus.yaml").write_text(yaml.safe_dump(data))
    return root


def all_types_corpus(root: Path) -> Path:
    docs = root / "docs"
    (docs / "hr").mkdir(parents=True)
    (docs / "leave.md").write_text(
        "# Leave policy\n\nEmployees get 25 days of paid leave per year.\n\n"
        "## Carry over\n\nUp to five unused days carry over into the next year.\n"
    )
    (docs / "hr" / "salaries.txt").write_text("Salaries are reviewed every April by the compensation board.\n")
    (docs / "office.html").write_text(
        "<html><body><h1>Office hours</h1><p>The Lisbon office opens at eight in the morning.</p>"
        "<h2>Parking</h2><p>Visitors park in the underground garage on level minus two.</p></body></html>"
    )
    (docs / "report.pdf").write_bytes(pdf_bytes([
        ["Annual safety report", "Fire drills are held twice a year in every building."],
        ["Incident summary", "Three minor incidents were reported during the spring quarter."],
    ]))
    write_docx(docs / "travel.docx")
    write_pptx(docs / "security.pptx")
    write_eml(docs / "password.eml")
    (docs / "notes.xyz").write_text("an unsupported file")
    records = root / "records.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in [
        {"_id": "rec-1", "title": "Expense claims", "text": "Claims are filed within thirty days of purchase."},
        {"id": "rec-2", "title": "Board minutes", "text": "The board approved the new budget.",
         "acl": {"users": ["ceo"]}},
    ]) + "\n")
    return manifest(root, "allkinds", {"path": "./docs", "include": ["**/*"]},
                    {"default": {"groups": ["employees"]}, "rules": [{"match": "hr/**", "groups": ["hr"]}]})
