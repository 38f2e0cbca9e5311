"""What a report may embed: the `polku:` URL scheme and the policy that serves it.

Templates reference resources only through the internal `polku:` scheme:
`polku:static/<path>` for the app's own stylesheet, fonts and icons, and
`polku:photo/<id>/<variant>` for a photo of the report's organisation. The policy
below serves those from disk and from the photo store and refuses everything else
(file:, http(s):, data:, redirects, other organisations' photos). It runs in the
app process; WeasyPrint's fetcher in the render process (reports/pdf.py) asks it for
every resource, on every channel WeasyPrint fetches through: HTML images,
stylesheets, @import, url(), SVG <image> and attachments (reliability.md I7, tests
14–15).

Imports neither WeasyPrint nor Flask: both processes load it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import safe_join

from auditapp.core.storage import PhotoStore

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


@dataclass(frozen=True)
class PhotoFile:
    """A photo a report may embed: its organisation and stored keys."""

    org_id: int
    key: str
    thumb_key: str


@dataclass(frozen=True)
class Resource:
    """Bytes the renderer may use, with their content type."""

    data: bytes
    content_type: str


class ResourceRefused(ValueError):
    """The report asked for something the fetcher does not serve."""


class StylesheetMissing(Exception):
    """The report's own stylesheet is missing: a broken deployment, stop the render."""


class ReportFetcher:
    """Serve `polku:` static files and the organisation's photos; refuse the rest."""

    def __init__(
        self,
        *,
        org_id: int,
        photos: Mapping[int, PhotoFile],
        store: PhotoStore,
        static_dir: Path,
    ) -> None:
        self.org_id = org_id
        self.photos = photos
        self.store = store
        self.static_dir = Path(static_dir).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str) -> Resource:
        """Return the resource for an internal URL; never opens a connection."""
        try:
            if match := PHOTO_URL.fullmatch(url):
                return self._photo(int(match[1]), match[2])
            if match := STATIC_URL.fullmatch(url):
                return self._static(match[1])
            raise ResourceRefused("not an internal report resource")
        except ResourceRefused as error:
            self.refused.append(url[:200])
            log.warning("report fetch refused: %.200s (%s)", url, error)
            raise

    def _photo(self, photo_id: int, variant: str) -> Resource:
        photo = self.photos.get(photo_id)
        if photo is None or photo.org_id != self.org_id:
            raise ResourceRefused("photo not in this organisation's report")
        key = photo.key if variant == "display" else photo.thumb_key
        try:
            with self.store.open(key) as fh:
                data = fh.read()
        except (FileNotFoundError, ValueError) as error:
            raise ResourceRefused("photo file missing") from error
        return Resource(data, "image/jpeg")

    def _static(self, path: str) -> Resource:
        suffix = Path(path).suffix.lower()
        joined = safe_join(str(self.static_dir), path)
        if suffix not in STATIC_TYPES or joined is None:
            raise ResourceRefused("not a report asset")
        resolved = Path(joined).resolve()
        if not resolved.is_relative_to(self.static_dir) or not resolved.is_file():
            if suffix == ".css":
                # An unstyled report is a broken deployment, not a report to send.
                raise StylesheetMissing(f"report stylesheet missing: {path}")
            raise ResourceRefused("no such asset")
        return Resource(resolved.read_bytes(), STATIC_TYPES[suffix])


def pdf_asset(path: str) -> str:
    """Return the internal URL of a static file for a PDF template."""
    return f"{SCHEME}:static/{path}"


def pdf_photo(photo_id: int, variant: str = "display") -> str:
    """Return the internal URL of a photo for a PDF template."""
    return f"{SCHEME}:photo/{photo_id}/{variant}"
