"""/api/openapi.json describes exactly the JSON API the URL map serves."""

from __future__ import annotations

import re

from tests.integration.test_tenant_isolation import routes


def _served(app) -> set[tuple[str, str]]:
    found = set()
    for rule in routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        found |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_every_api_route_is_documented_and_nothing_else(app, client):
    document = client.get("/api/openapi.json").json

    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }

    assert document["openapi"] == "3.1.0"
    assert sorted(documented) == sorted(_served(app))


def test_every_schema_reference_resolves(app, client):
    document = client.get("/api/openapi.json").json
    text = str(document)

    refs = set(re.findall(r"#/components/schemas/(\w+)", text))

    assert refs - set(document["components"]["schemas"]) == set()


def test_every_write_documents_its_retry_answers(app, client):
    document = client.get("/api/openapi.json").json

    writes = {
        path: set(item["post"]["responses"])
        for path, item in document["paths"].items()
        if "post" in item
    }

    assert all(
        {"200", "201", "401", "409", "422"} <= codes for codes in writes.values()
    )
