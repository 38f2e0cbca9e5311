import logging
from pathlib import Path

import pytest
from PIL import ImageFile
from weasyprint.urls import URLFetcher

from auditapp.core.storage import LocalPhotoStore
from auditapp.reports import fetcher as policy
from auditapp.reports import pdf, render
from tests.report_data import jpeg

STATIC = Path(__file__).resolve().parents[3] / "static"


@pytest.fixture
def store(tmp_path):
    return LocalPhotoStore(tmp_path / "photos")


@pytest.fixture
def fetcher(store):
    mine = store.save(jpeg().getvalue())
    theirs = store.save(jpeg().getvalue())
    photos = {
        1: policy.PhotoFile(org_id=7, key=mine, thumb_key=mine),
        2: policy.PhotoFile(org_id=8, key=theirs, thumb_key=theirs),
    }
    return policy.ReportFetcher(org_id=7, photos=photos, store=store, static_dir=STATIC)


def test_weasyprints_fetcher_is_limited_to_the_internal_scheme(fetcher):
    door = pdf._Fetcher(fetcher.fetch)

    assert isinstance(door, URLFetcher)
    assert door._allowed_protocols == ("polku",)
    handlers = {type(h).__name__ for h in door.handlers}
    assert "HTTPRedirectHandler" not in handlers


def test_fetcher_serves_the_orgs_photo_and_the_report_stylesheet(fetcher):
    photo = fetcher.fetch("polku:photo/1/display")
    css = fetcher.fetch("polku:static/css/report.css")

    assert photo.data[:2] == b"\xff\xd8"
    assert photo.content_type == "image/jpeg"
    assert b"@font-face" in css.data


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "https://example.com/x.png",
        "file:///etc/passwd",
        "FILE:///etc/hostname",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://127.0.0.1/x",
        "polku:photo/2/display",  # another organisation's photo
        "polku:photo/99/display",  # not in the report
        "polku:photo/1/original",
        "polku:static/../../etc/passwd",
        "polku:static/css/../../auditapp/config.py",
        "polku:static/../auditapp/translations/README.md",
        "polku:static/js/app.js",
        "polku://127.0.0.1/static/css/report.css",
        "/etc/passwd",
    ],
)
def test_fetcher_refuses_everything_else(fetcher, url, caplog):
    with caplog.at_level(logging.WARNING, logger="auditapp.reports.fetcher"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)

    assert fetcher.refused == [url]
    assert "report fetch refused" in caplog.text


def test_importing_the_pdf_module_keeps_truncated_uploads_refused():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_a_missing_report_stylesheet_stops_the_render(fetcher):
    with pytest.raises(policy.StylesheetMissing):
        fetcher.fetch("polku:static/css/missing.css")


def test_a_missing_report_stylesheet_is_an_ordinary_error(app, fetcher):
    html = '<link rel="stylesheet" href="polku:static/css/missing.css"><p>x</p>'

    with pytest.raises(render.RenderFailed, match="report stylesheet missing"):
        render.html_to_pdf(html, fetcher)
