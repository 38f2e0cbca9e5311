"""Run schemathesis against /api/openapi.json on a live server on loopback.

    .venv/bin/python -m tests.live.fuzz_api [max examples per operation] [seed]

Seeds an organisation, signs an auditor in, and passes the session cookie and a CSRF
token to schemathesis: no 500s, no response that breaks the documented schema.

Two passes. The first fuzzes the document as served. Generated references (journey
ids, audit and friction point UUIDs) almost never name a record, so most requests
end at "not found" or "parent missing"; the second pass fuzzes a copy whose
references are pinned to records made for it (a journey, an audit, a friction
point), so the rest of each body reaches the code behind the lookup.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import uuid
from datetime import date
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


def _records(client: Http, seeded) -> dict:
    """Create an audit with a friction point through the API; return their refs."""
    audit_uuid, point_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    status, _h, body = client.request(
        "POST",
        "/api/v1/audits",
        {
            "client_uuid": audit_uuid,
            "journey_id": seeded.journey_id,
            "journey_version": seeded.journey_version,
            "audit_date": date.today().isoformat(),
        },
    )
    assert status == 201, (status, body)
    status, _h, body = client.request(
        "POST",
        "/api/v1/friction-points",
        {
            "client_uuid": point_uuid,
            "audit_uuid": audit_uuid,
            "position": 0,
            "title": "Jono kassalla",
            "severity": 3,
        },
    )
    assert status == 201, (status, body)
    return {
        "journey_id": [seeded.journey_id],
        "journey_version": [seeded.journey_version],
        "audit_uuid": [audit_uuid],
        "friction_point_uuid": [point_uuid],
        "position": [0, 1, 2],
        "base_version": [1, 2, 3],
    }


def _request_schemas(schema: dict) -> set[str]:
    """Return the names of the component schemas that request bodies use."""
    text = json.dumps(
        [
            operation.get("requestBody", {})
            for path in schema["paths"].values()
            for operation in path.values()
            if isinstance(operation, dict)
        ]
    )
    return set(re.findall(r"#/components/schemas/(\w+)", text))


def grounded(schema: dict, pins: dict) -> dict:
    """Return a copy of the schema whose requests can only name real records.

    Request bodies' and path parameters' references are pinned; responses are
    left alone (a new audit's UUID is its own, not a pinned one).
    """
    schema = json.loads(json.dumps(schema))
    components = schema["components"]["schemas"]
    for name in _request_schemas(schema):
        for prop_name, prop in components[name].get("properties", {}).items():
            if prop_name in pins:
                prop["enum"] = pins[prop_name]
    # The seeded touchpoints have two expectations: answers 0 and 1.
    components["VisitSave"]["properties"]["ratings"]["propertyNames"] = {
        "enum": ["0", "1"]
    }
    for path in schema["paths"].values():
        for operation in path.values():
            params = (
                operation.get("parameters", []) if isinstance(operation, dict) else []
            )
            for param in params:
                if param.get("in") == "path" and param.get("name") in pins:
                    param["schema"] = {**param["schema"], "enum": pins[param["name"]]}
    return schema


def main(max_examples: int = 25, seed_value: int = 4) -> int:
    """Return schemathesis's exit code (the worse of the two passes)."""
    with tempfile.TemporaryDirectory(prefix="polku-fuzz-") as tmp:
        app = live_app(Path(tmp))
        seeded = seed(app)
        with serving(app) as base:
            client = Http(base)
            client.sign_in(seeded.email)
            pins = _records(client, seeded)
            _status, _h, body = client.request("GET", "/api/openapi.json")
            pinned = Path(tmp) / "openapi-grounded.json"
            pinned.write_text(json.dumps(grounded(json.loads(body), pins)))
            served = _schemathesis(
                f"{base}/api/openapi.json", [], client, max_examples, seed_value, tmp
            )
            # Submitting the audit would end every later edit of it with 409.
            deep = _schemathesis(
                str(pinned),
                ["--url", base, "--exclude-path", "/api/v1/submissions"],
                client,
                max_examples,
                seed_value,
                tmp,
            )
            return served or deep


def _schemathesis(location, extra, client, max_examples, seed_value, tmp) -> int:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        location,
        *extra,
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
