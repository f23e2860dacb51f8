"""Tables for people, JSON for machines: every run writes bench/results/<kind>-<timestamp>.json."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def results_path(kind: str) -> Path:
    return RESULTS / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}.json"


def write_json(path: Path, payload: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2, default=str))
    return path


def machine() -> dict:
    wrk = shutil.which("wrk")
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0] if wrk else None
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "usable_cpus": sorted(os.sched_getaffinity(0)), "wrk": version, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "mock": mock_version()}


def mock_version() -> str:
    """The commit measured, and whether mockserver/ or specs/ differ from it (read-only git)."""
    root = RESULTS.parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "mockserver", "specs"], cwd=root,
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{'+local changes' if dirty else ''}" if head else "unknown"


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A plain monospace table; `align` has one letter per column (l/r), right by default."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    align = align or "l" + "r" * (len(headers) - 1)
    line = lambda row: "  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(row, widths, align))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
