"""Reports: JSON, a Markdown table per suite with the change since a saved baseline, and PNG charts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BASELINE_FILE = Path(__file__).parent / "baseline.json"


def load_baseline(file: Path = BASELINE_FILE) -> dict[str, float]:
    if not file.is_file():
        return {}
    data = json.loads(file.read_text())
    return {k: float(v) for k, v in data.get("metrics", data).items()}


def markdown(result: dict[str, Any], baseline: dict[str, float]) -> str:
    lines = [f"# Cairn quality gate: {'PASSED' if result['passed'] else 'FAILED'}", ""]
    bounds = {c["name"]: c for c in result["checks"]}
    suites: dict[str, list[str]] = {}
    for name in sorted(result["metrics"]):
        suites.setdefault(name.split(".")[0], []).append(name)
    for suite, names in suites.items():
        lines += [f"## {suite}", "", "| metric | value | baseline | change | bound | status |",
                  "|---|---|---|---|---|---|"]
        for n in names:
            v = result["metrics"][n]
            b = baseline.get(n)
            change = "" if b is None else f"{v - b:+.4f}"
            check = bounds.get(n)
            bound = "" if check is None else (f"≥ {check['min']}" if "min" in check else f"≤ {check['max']}")
            status = "" if check is None else ("ok" if check["passed"] else "**FAIL**")
            lines.append(f"| {n.split('.', 1)[1]} | {v:.4f} | {'' if b is None else f'{b:.4f}'} | {change} | "
                         f"{bound} | {status} |")
        lines.append("")
    failures = result.get("details", {}).get("golden_failures")
    if failures:
        lines += ["## golden failures", ""] + [f"- {f['id']}: {'; '.join(f['problems'])}" for f in failures]
    return "\n".join(lines) + "\n"


def pyplot() -> Any:
    """matplotlib's pyplot, drawing to files only (no display here)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def charts(result: dict[str, Any], baseline: dict[str, float], folder: Path) -> list[Path]:
    plt = pyplot()

    ratios = [n for n in sorted(result["metrics"]) if 0 <= result["metrics"][n] <= 1 and not n.endswith("_ms")]
    fig, ax = plt.subplots(figsize=(9, max(3, 0.4 * len(ratios))))
    ys = range(len(ratios))
    ax.barh([y + 0.2 for y in ys], [result["metrics"][n] for n in ratios], height=0.4, label="now")
    ax.barh([y - 0.2 for y in ys], [baseline.get(n, 0) for n in ratios], height=0.4, label="baseline", alpha=0.6)
    ax.set_yticks(list(ys), ratios, fontsize=8)
    ax.set_xlim(0, 1.05)
    ax.legend(loc="lower right")
    ax.set_title("Quality metrics: now vs baseline")
    fig.tight_layout()
    out = [folder / "metrics.png"]
    fig.savefig(out[0], dpi=110)
    plt.close(fig)
    lat = {n: v for n, v in result["metrics"].items() if n.endswith("_ms")}
    if lat:
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.bar(list(lat), list(lat.values()), color="tab:orange")
        ax.set_ylabel("ms")
        ax.set_title("Latency")
        ax.tick_params(axis="x", labelsize=7, rotation=20)
        fig.tight_layout()
        out.append(folder / "latency.png")
        fig.savefig(out[-1], dpi=110)
        plt.close(fig)
    return out


def write_report(result: dict[str, Any], folder: Path, baseline: dict[str, float]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(result, indent=2))
    (folder / "report.md").write_text(markdown(result, baseline))
    return [folder / "report.json", folder / "report.md", *charts(result, baseline, folder)]


def write_domain_report(results: dict[str, dict[str, Any]], folder: Path) -> list[Path]:
    """`cairn eval answers`: JSON, a Markdown table per domain, and one chart per domain of its ratios
    (and of its per-kind and per-format shares where the domain has them)."""
    plt = pyplot()

    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "report.json", folder / "report.md"]
    files[0].write_text(json.dumps(results, indent=2))
    lines = ["# Cairn answers by domain", ""]
    for name, r in results.items():
        lines += [f"## {name}", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {json.dumps(v) if isinstance(v, dict) else v} |" for k, v in r.items()]
        bars = {k: float(v) for k, v in r.items() if isinstance(v, float) and 0 <= v <= 1}
        for group in ("by_kind", "by_format"):
            for k, v in (r.get(group) or {}).items():
                right, total = (int(x) for x in str(v).split("/"))
                if total:
                    bars[f"{group.removeprefix('by_')}: {k}"] = right / total
        fig, ax = plt.subplots(figsize=(8, max(2.5, 0.35 * len(bars))))
        ax.barh(list(bars), list(bars.values()), color="tab:blue")
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=8)
        ax.set_title(f"{name}: answer quality")
        fig.tight_layout()
        chart = folder / f"{name}.png"
        fig.savefig(chart, dpi=100)
        plt.close(fig)
        files.append(chart)
        lines += ["", f"![{name}]({chart.name})", ""]
    files[1].write_text("\n".join(lines) + "\n")
    return files
