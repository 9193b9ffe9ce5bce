"""Print an HTML page to PDF with headless Chromium (Debian's, installed by scripts/setup.sh): how the benches and
tests make PDFs laid out as real pages are, columns and page breaks included."""

from __future__ import annotations

import subprocess
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def print_to_pdf(page: Path, pdf: Path, timeout_s: float = 300) -> None:
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing (Debian package chromium; scripts/setup.sh installs it)")
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=timeout_s)
