"""Lighthouse (mobile preset) on the touchpoint screen, median of N runs.

    .venv/bin/python -m tests.benchmarks.lighthouse_audit_screen [--runs 3]
        [--lighthouse PATH]    # default: `lighthouse` on PATH (npm i -g lighthouse)

Serves the B13 audit (30 expectations) on 127.0.0.1, signs in, and runs Lighthouse
with Debian's Chromium (CHROME_PATH) and the same flags as the browser tests, sending
the session cookie as an extra header. Informational: prints the scores, no gate.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.bench_first_load import build
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.live.server import Http, serving

CATEGORIES = ("performance", "accessibility", "best-practices")


def run_once(lighthouse: str, url: str, cookie: str, out: Path) -> dict[str, float]:
    """Run Lighthouse once; return the category scores (0–100)."""
    flags = " ".join([*CHROMIUM_ARGS, "--headless=new"])
    subprocess.run(  # noqa: S603 - fixed arguments, loopback URL
        [
            lighthouse,
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={flags}",
            f"--extra-headers={json.dumps({'Cookie': cookie})}",
        ],
        check=True,
        timeout=300,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    report = json.loads(out.read_text())
    return {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}


def main(argv: list[str] | None = None) -> int:
    """Print the median scores of --runs runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lighthouse", default=shutil.which("lighthouse") or "")
    parser.add_argument(
        "--page", choices=("touchpoint", "walker"), default="touchpoint"
    )
    args = parser.parse_args(argv)
    if not args.lighthouse:
        print("lighthouse not found: npm i -g lighthouse, or pass --lighthouse PATH")
        return 2
    with tempfile.TemporaryDirectory(prefix="polku-lh-") as tmp:
        app, email, visit_id = build(Path(tmp))
        with serving(app) as base:
            http = Http(base)
            http.sign_in(email)
            runs = [
                run_once(
                    args.lighthouse,
                    f"{base}/visits/{visit_id}"
                    if args.page == "touchpoint"
                    else f"{base}/offline/walk",
                    http.cookie_header(),
                    Path(tmp) / f"lh-{n}.json",
                )
                for n in range(args.runs)
            ]
    for category in CATEGORIES:
        scores = [r[category] for r in runs]
        median = statistics.median(scores)
        print(f"Lighthouse {args.page} {category}: median {median} of {scores}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
