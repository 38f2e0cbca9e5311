"""Run schemathesis against /api/openapi.json on a live server on loopback.

    .venv/bin/python -m tests.live.fuzz_api [max examples per operation] [seed]

Seeds an organisation, signs an auditor in, and passes the session cookie and a CSRF
token to schemathesis: no 500s, no response that breaks the documented schema.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.live.server import Http, live_app, seed, serving

CHECKS = ",".join(
    (
        "not_a_server_error",
        "response_schema_conformance",
        "status_code_conformance",
        "content_type_conformance",
    )
)


def main(max_examples: int = 25, seed_value: int = 4) -> int:
    """Return schemathesis's exit code."""
    with tempfile.TemporaryDirectory(prefix="polku-fuzz-") as tmp:
        app = live_app(Path(tmp))
        seeded = seed(app)
        with serving(app) as base:
            client = Http(base)
            client.sign_in(seeded.email)
            command = [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{base}/api/openapi.json",
                "--checks",
                CHECKS,
                "--max-examples",
                str(max_examples),
                "--seed",
                str(seed_value),  # fixed: a CI failure must be reproducible
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--generation-with-security-parameters",
                "false",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-redirects",
                "0",
                "--request-timeout",
                "30",
                "-H",
                f"Cookie: {client.cookie_header()}",
                "-H",
                f"X-CSRFToken: {client.token}",
            ]
            # Run in the temp folder: schemathesis leaves a .schemathesis/ cache behind.
            return subprocess.run(command, check=False, timeout=900, cwd=tmp).returncode


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
