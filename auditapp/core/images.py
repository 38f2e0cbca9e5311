"""Turn an uploaded photo into clean JPEG derivatives (display and thumbnail).

Uploaded bytes are never stored or served as uploaded (reliability.md, I8): only JPEG,
PNG and WebP reach a decoder, the pixel count is checked before anything is decoded,
and the output is re-encoded with every metadata segment (EXIF/GPS, MakerNote, XMP,
IPTC, comments, ICC) left behind. The recipe is performance.md §5: JPEG draft decoding
at the aspect-correct size, orientation applied on the small image, one LANCZOS pass.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

#: The only decoders an upload may reach; Pillow's CVE stream is mostly exotic plugins.
ALLOWED_FORMATS = ["JPEG", "PNG", "WEBP"]

# ISO-BMFF `ftyp` brands of HEIF/HEIC and AVIF files (what iPhones save by default).
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_BRANDS = _HEIC_BRANDS | _AVIF_BRANDS | {b"mif1", b"msf1"}

# What a decoder raises on damaged data. UnidentifiedImageError is handled before this.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)

_WHITE = (255, 255, 255)


class ImageRejected(Exception):
    """The upload cannot become a photo; str(error) is a message for the auditor."""

    status = 422

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class UnsupportedImage(ImageRejected):
    """The file is not a JPEG, PNG or WebP image."""

    status = 415


class ImageTooLarge(ImageRejected):
    """The image has more pixels than we decode."""

    status = 413


class BrokenImage(ImageRejected):
    """The file claims an allowed format but is truncated or corrupt."""

    status = 422


@dataclass(frozen=True)
class Derivative:
    """One re-encoded rendition of a photo."""

    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"

    @cached_property
    def sha256(self) -> str:
        """Return the hex SHA-256 of the bytes."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class NormalisedPhoto:
    """The derivatives of one upload, plus what the source was."""

    display: Derivative
    thumb: Derivative
    original: bytes | None
    source_format: str
    source_width: int
    source_height: int


def normalise_photo(
    stream: BinaryIO,
    *,
    max_pixels: int = 50_000_000,
    display_edge: int = 1600,
    thumb_edge: int = 320,
    quality: int = 82,
    keep_original: bool = False,
) -> NormalisedPhoto:
    """Decode an upload safely and return upright, metadata-free JPEG derivatives.

    Reads the whole stream (cap the request size before calling). Raises
    UnsupportedImage (415), ImageTooLarge (413) or BrokenImage (422). The pixel cap
    is max_pixels, and never more than Pillow's MAX_IMAGE_PIXELS (about 89.5 MP).
    """
    data = stream.read()
    _refuse_heif(data)
    # A truncated upload must be refused, not decoded with a grey bottom. Pillow
    # reads this process-wide flag at decode time, and importing WeasyPrint (the PDF
    # reports) turns it on, so say it here rather than trust the import order.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # No `with`: the display image may be this very object, and close() frees it.
    img = _open(data, max_pixels)
    source_format = "JPEG" if img.format == "MPO" else str(img.format)
    source_width, source_height = img.size
    try:
        display_image = _decode_for_display(img, display_edge)
    except _DECODE_ERRORS as exc:
        raise BrokenImage(_broken_message()) from exc
    # A 320 px list thumbnail: the cheap filter is plenty, and it keeps the
    # re-processing of an already-downscaled upload (B6) small.
    thumb_image = _fit(
        display_image,
        thumb_edge,
        reducing_gap=2.0,
        resample=Image.Resampling.BILINEAR,
    )
    return NormalisedPhoto(
        display=_encode(display_image, quality),
        thumb=_encode(thumb_image, quality),
        original=data if keep_original else None,
        source_format=source_format,
        source_width=source_width,
        source_height=source_height,
    )


def _broken_message() -> object:
    return _l(
        "This photo could not be read: the file is damaged or incomplete. "
        "Please take or send the photo again."
    )


def _unsupported_message() -> object:
    return _l(
        "This file is not a photo we can use. Please send a JPEG, PNG or WebP image."
    )


def _too_large_message(pixels: int | None, max_pixels: int) -> object:
    limit = max(1, max_pixels // 1_000_000)
    if pixels is None:
        return _l(
            "This photo is too large to process. The limit is %(limit)d megapixels.",
            limit=limit,
        )
    return _l(
        "This photo is too large (%(mp)d megapixels). "
        "The limit is %(limit)d megapixels.",
        mp=math.ceil(pixels / 1_000_000),
        limit=limit,
    )


def _refuse_heif(data: bytes) -> None:
    """Raise UnsupportedImage with how-to-send-JPEG advice for HEIC/HEIF/AVIF."""
    if data[4:8] != b"ftyp":
        return
    box_end = min(int.from_bytes(data[:4], "big"), len(data), 256)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_end - 3, 4)}
    if not brands & _HEIF_BRANDS:
        return
    name = "AVIF" if brands & _AVIF_BRANDS and not brands & _HEIC_BRANDS else "HEIC"
    raise UnsupportedImage(
        _l(
            "This photo is in %(format)s format, which we cannot read. Please send "
            "it as a JPEG: on an iPhone, open Settings → Camera → Formats and choose "
            "Most Compatible, or share or export the photo as JPEG.",
            format=name,
        )
    )


def _claims_allowed_format(data: bytes) -> bool:
    return (
        data[:3] == b"\xff\xd8\xff"
        or data[:8] == b"\x89PNG\r\n\x1a\n"
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Identify the image lazily and check its pixel count before any decoding."""
    if not data:
        raise BrokenImage(_broken_message())
    try:
        # Pillow warns between 89.5 and 179 MP and raises above. Make the warning a
        # refusal too, so it never reaches a log or a warnings-as-errors test run.
        # catch_warnings swaps process-global filters before Python 3.14, so under
        # threads it can miss; the pixel check below still refuses those images.
        with warnings.catch_warnings(
            action="error", category=Image.DecompressionBombWarning
        ):
            img = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(_too_large_message(None, max_pixels)) from exc
    except UnidentifiedImageError as exc:
        if _claims_allowed_format(data):
            raise BrokenImage(_broken_message()) from exc
        raise UnsupportedImage(_unsupported_message()) from exc
    except _DECODE_ERRORS as exc:
        raise BrokenImage(_broken_message()) from exc
    pixels = img.width * img.height
    if pixels > max_pixels:
        img.close()
        raise ImageTooLarge(_too_large_message(pixels, max_pixels))
    return img


def _target_size(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """Return size scaled down so its long edge is at most edge (never up)."""
    width, height = size
    if max(width, height) <= edge:
        return size
    if width >= height:
        return edge, max(1, round(height * edge / width))
    return max(1, round(width * edge / height)), edge


def _fit(
    img: Image.Image,
    edge: int,
    *,
    reducing_gap: float | None = None,
    resample: Image.Resampling | None = None,
) -> Image.Image:
    size = _target_size(img.size, edge)
    if size == img.size:
        return img
    # After a draft decode the remaining step is mild (2000 → 1600 px). Pillow's
    # bilinear is a proper antialiasing (triangle) filter when shrinking; at 0.8× it
    # looks the same as LANCZOS and costs half (the B5 budget). LANCZOS stays for big
    # reductions (PNG and WebP have no draft decode).
    if resample is None:
        mild = max(img.size) < 2 * max(size)
        resample = Image.Resampling.BILINEAR if mild else Image.Resampling.LANCZOS
    return img.resize(size, resample, reducing_gap=reducing_gap)


def _decode_for_display(img: Image.Image, edge: int) -> Image.Image:
    """Decode (at reduced scale for JPEG), rotate upright, downscale, make sRGB RGB."""
    target = _target_size(img.size, edge)
    if img.format in ("JPEG", "MPO") and target != img.size:
        # The aspect-correct target, not a square box: libjpeg then decodes at
        # 1/2, 1/4 or 1/8 scale (a 4000×3000 photo decodes as 2000×1500).
        img.draft("RGB", target)
    icc_profile = img.info.get("icc_profile")
    img.load()
    ImageOps.exif_transpose(img, in_place=True)
    # reducing_gap only matters for big non-JPEG sources; draft already reduced JPEG.
    img = _fit(_resizable(img), edge, reducing_gap=3.0)
    return _to_srgb(_flatten(img), icc_profile)


def _resizable(img: Image.Image) -> Image.Image:
    """Return img in a mode LANCZOS can resize: RGB, RGBA, CMYK or L."""
    transparent = "transparency" in img.info
    if img.mode in ("RGB", "RGBA", "CMYK", "L") and not transparent:
        return img
    if transparent or {"A", "a"} & set(img.getbands()):
        return img.convert("RGBA")
    if img.mode.startswith("I"):
        # 16-bit greyscale PNG: scale to 8 bits instead of clipping at 255.
        return img.convert("I").point(lambda value: value / 256).convert("L")
    return img.convert("RGB")


def _flatten(img: Image.Image) -> Image.Image:
    """Put transparent pixels on white; a JPEG has no alpha."""
    if img.mode != "RGBA":
        return img
    background = Image.new("RGB", img.size, _WHITE)
    background.paste(img, mask=img.getchannel("A"))
    return background


def _to_srgb(img: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return img as sRGB RGB, so dropping its profile does not shift colours."""
    converted = _convert_profile(img, icc_profile) if icc_profile else None
    if converted is not None:
        return converted
    return img if img.mode == "RGB" else img.convert("RGB")


def _convert_profile(img: Image.Image, icc_profile: bytes) -> Image.Image | None:
    """Convert through the embedded profile (iPhones embed Display P3), or None."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        description = ImageCms.getProfileDescription(source)
        if img.mode == "RGB" and description.startswith("sRGB"):
            return None  # already sRGB: a transform would cost ~20 ms for nothing
        srgb = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(img, source, srgb, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # an unusable profile is no reason to refuse a photo: assume sRGB


def _encode(img: Image.Image, quality: int) -> Derivative:
    """Save as baseline JPEG with no metadata at all."""
    # Pillow copies the source's COM comment from img.info unless it is empty.
    img.info = {}
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, optimize=True, progressive=False)
    return Derivative(data=out.getvalue(), width=img.width, height=img.height)
