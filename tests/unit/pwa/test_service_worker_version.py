"""An edited static file reaches phones: the worker's cache name follows its files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from auditapp.pwa.views import SW_PRECACHE, service_worker_source

STATIC = Path(__file__).resolve().parents[3] / "static"


def _version(source: str) -> str:
    return re.search(r'const VERSION = "([^"]+)";', source)[1]


def test_changing_a_kept_script_changes_the_cache_name(tmp_path):
    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy)
    before = _version(service_worker_source(str(copy)))

    with (copy / "js" / "walk.js").open("a") as fh:
        fh.write("\n// a fix\n")
    after = _version(service_worker_source(str(copy)))

    assert before != after
    assert before.startswith("polku-v") and after.startswith("polku-v")


def test_a_file_the_worker_does_not_keep_leaves_the_name_alone(tmp_path):
    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy)
    before = _version(service_worker_source(str(copy)))

    (copy / "css" / "report.css").write_text("/* print only */")

    assert _version(service_worker_source(str(copy))) == before


def test_every_file_the_worker_keeps_exists():
    source = (STATIC / "sw.js").read_text(encoding="utf-8")
    kept = SW_PRECACHE.findall(source)

    assert "js/walk.js" in kept
    assert [name for name in kept if not (STATIC / name).is_file()] == []


def test_the_served_worker_carries_the_content_named_cache(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert re.search(r'const VERSION = "polku-v\d+-[0-9a-f]{12}";', response.text)
