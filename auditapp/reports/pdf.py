"""PDF rendering: the only module that imports WeasyPrint (architecture.md).

Templates reference resources only through the internal `polku:` scheme:
`polku:static/<path>` for the app's own stylesheet, fonts and icons, and
`polku:photo/<id>/<variant>` for a photo of the report's organisation. The fetcher
below serves those from disk and from the photo store and refuses everything else
(file:, http(s):, data:, redirects, other organisations' photos) on every channel
WeasyPrint fetches through: HTML images, stylesheets, @import, url(), SVG <image>
and attachments (reliability.md I7, tests 14–15).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from auditapp.core.storage import PhotoStore

# Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which
# would let truncated uploads through core/images (reliability.md I8). Report photos
# are whole, normalised JPEGs, so restore Pillow's default.
ImageFile.LOAD_TRUNCATED_IMAGES = False

log = logging.getLogger(__name__)

SCHEME = "polku"
BASE_URL = f"{SCHEME}:report/"
#: Static files a report may use, by suffix → content type.
STATIC_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
PHOTO_URL = re.compile(rf"{SCHEME}:photo/(\d+)/(display|thumb)")
STATIC_URL = re.compile(rf"{SCHEME}:static/([A-Za-z0-9_\-./]+)")
#: Kinds of report and their templates under templates/reports/pdf/.
KINDS = ("audit", "development_list", "journey_map")

# One font configuration per process: building it scans fontconfig (performance.md §2).
FONT_CONFIG = FontConfiguration()


@dataclass(frozen=True)
class PhotoFile:
    """A photo a report may embed: its organisation and stored keys."""

    org_id: int
    key: str
    thumb_key: str


class ResourceRefused(ValueError):
    """The report asked for something the fetcher does not serve."""


class ReportFetcher(URLFetcher):
    """Serve `polku:` static files and the organisation's photos; refuse the rest."""

    def __init__(
        self,
        *,
        org_id: int,
        photos: Mapping[int, PhotoFile],
        store: PhotoStore,
        static_dir: Path,
    ) -> None:
        super().__init__(allowed_protocols=(SCHEME,), allow_redirects=False)
        self.org_id = org_id
        self.photos = photos
        self.store = store
        self.static_dir = Path(static_dir).resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        """Return the resource for an internal URL; never opens a connection."""
        try:
            if match := PHOTO_URL.fullmatch(url):
                return self._photo(url, int(match[1]), match[2])
            if match := STATIC_URL.fullmatch(url):
                return self._static(url, match[1])
            raise ResourceRefused("not an internal report resource")
        except ResourceRefused as error:
            self.refused.append(url[:200])
            log.warning("report fetch refused: %.200s (%s)", url, error)
            raise

    def _photo(self, url: str, photo_id: int, variant: str) -> URLFetcherResponse:
        photo = self.photos.get(photo_id)
        if photo is None or photo.org_id != self.org_id:
            raise ResourceRefused("photo not in this organisation's report")
        key = photo.key if variant == "display" else photo.thumb_key
        try:
            with self.store.open(key) as fh:
                data = fh.read()
        except (FileNotFoundError, ValueError) as error:
            raise ResourceRefused("photo file missing") from error
        return URLFetcherResponse(url, data, {"Content-Type": "image/jpeg"})

    def _static(self, url: str, path: str) -> URLFetcherResponse:
        suffix = Path(path).suffix.lower()
        joined = safe_join(str(self.static_dir), path)
        if suffix not in STATIC_TYPES or joined is None:
            raise ResourceRefused("not a report asset")
        resolved = Path(joined).resolve()
        if not resolved.is_relative_to(self.static_dir) or not resolved.is_file():
            if suffix == ".css":
                # An unstyled report is a broken deployment, not a report to send.
                raise FatalURLFetchingError(f"report stylesheet missing: {path}")
            raise ResourceRefused("no such asset")
        return URLFetcherResponse(
            url, resolved.read_bytes(), {"Content-Type": STATIC_TYPES[suffix]}
        )


def pdf_asset(path: str) -> str:
    """Return the internal URL of a static file for a PDF template."""
    return f"{SCHEME}:static/{path}"


def pdf_photo(photo_id: int, variant: str = "display") -> str:
    """Return the internal URL of a photo for a PDF template."""
    return f"{SCHEME}:photo/{photo_id}/{variant}"


def render_html(kind: str, report, *, asset, photo_url) -> str:
    """Render a report template with the given URL builders (PDF or preview)."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    return render_template(
        f"reports/pdf/{kind}.html", report=report, asset=asset, photo_url=photo_url
    )


def render_report(
    kind: str,
    report,
    *,
    photos: Mapping[int, PhotoFile],
    store: PhotoStore,
    locale: str,
) -> bytes:
    """Render one report to PDF bytes, in-process, in the given language.

    `report` is the plain dataclass from reports/context.py; `photos` are the only
    photos the PDF may embed. Needs an app context (templates, static folder).
    """
    fetcher = ReportFetcher(
        org_id=report.org_id,
        photos=photos,
        store=store,
        static_dir=Path(current_app.static_folder),
    )
    with force_locale(locale):
        html = render_html(kind, report, asset=pdf_asset, photo_url=pdf_photo)
    return html_to_pdf(html, fetcher)


def html_to_pdf(html: str, fetcher: ReportFetcher) -> bytes:
    """Lay out report HTML and return the PDF; every fetch goes through `fetcher`."""
    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        # A per-job image cache: nothing from one organisation's render stays for
        # the next.
        return document.write_pdf(font_config=FONT_CONFIG, cache={})
    except FatalURLFetchingError as error:
        # A BaseException: turn it into an ordinary error, so Flask answers 500.
        raise RuntimeError(str(error)) from error
