"""Upload normalisation: allowlist, pixel cap, corrupt files, metadata strip, recipe.

Every fixture image is generated here with Pillow or by hand; nothing is downloaded.
reliability.md tests 5–10 and invariant I8.
"""

from __future__ import annotations

import hashlib
import io
import random
import resource
import struct
import time
import warnings
import zipfile
import zlib

import pytest
from PIL import Image, ImageCms, ImageFile, TiffImagePlugin

from auditapp.core.images import (
    ALLOWED_FORMATS,
    BrokenImage,
    ImageRejected,
    ImageTooLarge,
    UnsupportedImage,
    normalise_photo,
)

RED = (220, 20, 20)
BLUE = (20, 20, 220)
SERIAL = "SERIAL-1234567890"
MAKERNOTE = b"MAKERNOTE-SECRET-0042"
IPTC_CITY = b"IPTC-CITY-HELSINKI"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="60,10.2N"/></rdf:RDF></x:xmpmeta>'
)
COMMENT = b"<script>alert('COM')</script>"
HTML_TAIL = b"<html><body><script>alert(1)</script></body></html>"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- fixture builders ---------------------------------------------------------


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def normalise(data: bytes, **options):
    return normalise_photo(io.BytesIO(data), **options)


def decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def insert_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """Insert a JPEG marker segment right after SOI."""
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def header_markers(jpeg: bytes) -> list[int]:
    """Return the marker bytes of every segment up to and including SOS."""
    markers, pos = [], 2
    while True:
        marker = jpeg[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        pos += 2 + length


def with_sof_size(jpeg: bytes, width: int, height: int) -> bytes:
    """Rewrite the frame header so it claims another size."""
    data = bytearray(jpeg)
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header for width×height RGB with a tiny IDAT (a pixel flood)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


def iptc_segment() -> bytes:
    """An APP13 Photoshop/IPTC block carrying a city name."""
    dataset = b"\x1c\x02\x5a" + struct.pack(">H", len(IPTC_CITY)) + IPTC_CITY
    resource_block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(dataset)) + dataset
    return b"Photoshop 3.0\x00" + resource_block


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0xA431] = SERIAL  # BodySerialNumber
    exif_ifd[0x927C] = MAKERNOTE
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (60.0, 10.0, 12.5), 3: "E", 4: (24.0, 56.0, 3.25)})
    return exif


@pytest.fixture(scope="module")
def phone_jpeg() -> bytes:
    """4000×3000 as stored by a phone held upright: red top-left quadrant, EXIF 6."""
    img = Image.new("RGB", (4000, 3000), BLUE)
    img.paste(RED, (0, 0, 2000, 1500))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    jpeg = encode(
        img,
        "JPEG",
        quality=90,
        exif=phone_exif(),
        comment=COMMENT,
        xmp=XMP,
        icc_profile=srgb,
    )
    return insert_segment(jpeg, 0xED, iptc_segment())


@pytest.fixture(scope="module")
def noisy_jpeg() -> bytes:
    return encode(Image.effect_noise((1200, 900), 64).convert("RGB"), "JPEG")


@pytest.fixture
def forbidden_decoders(monkeypatch) -> list[str]:
    """Make every non-allowlisted decoder record that it was reached, and fail."""
    Image.init()
    reached: list[str] = []

    def tripwire(name):
        def _open(self):
            reached.append(name)
            raise AssertionError(f"the {name} decoder was reached")

        return _open

    for name, (factory, _accept) in Image.OPEN.items():
        if name in ALLOWED_FORMATS or name == "MPO":  # MPO is JPEG's own subclass
            continue
        if isinstance(factory, type) and issubclass(factory, ImageFile.ImageFile):
            monkeypatch.setattr(factory, "_open", tripwire(name))
    return reached


# --- accepted formats -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_normalise_accepts_allowed_format_and_outputs_jpeg(fmt):
    source = encode(Image.new("RGB", (640, 480), RED), fmt)

    photo = normalise(source)

    assert photo.source_format == fmt
    assert (photo.source_width, photo.source_height) == (640, 480)
    assert decoded(photo.display.data).format == "JPEG"
    assert (photo.display.width, photo.display.height) == (640, 480)
    assert photo.display.content_type == "image/jpeg"
    assert photo.thumb.content_type == "image/jpeg"
    assert photo.original is None


def test_normalise_keeps_original_bytes_only_when_asked():
    source = encode(Image.new("RGB", (64, 48), RED), "PNG")

    photo = normalise(source, keep_original=True)

    assert photo.original == source


def test_derivative_sha256_is_the_hash_of_its_bytes():
    photo = normalise(encode(Image.new("RGB", (64, 48), RED), "JPEG"))

    assert photo.display.sha256 == hashlib.sha256(photo.display.data).hexdigest()
    assert photo.thumb.sha256 == hashlib.sha256(photo.thumb.data).hexdigest()


# --- the phone photo: orientation, size, metadata ---------------------------------


def test_phone_photo_fixture_carries_the_metadata_we_strip(phone_jpeg):
    img = Image.open(io.BytesIO(phone_jpeg))
    exif = img.getexif()

    assert exif[0x0112] == 6
    assert exif.get_ifd(0x8825)[1] == "N"
    assert exif.get_ifd(0x8769)[0xA431] == SERIAL
    assert {"exif", "icc_profile", "comment", "xmp", "photoshop"} <= set(img.info)


def test_phone_photo_becomes_upright_portrait_at_display_size(phone_jpeg):
    photo = normalise(phone_jpeg)
    display = decoded(photo.display.data)

    assert (photo.display.width, photo.display.height) == (1200, 1600)
    assert display.size == (1200, 1600)
    assert (photo.thumb.width, photo.thumb.height) == (240, 320)
    assert decoded(photo.thumb.data).size == (240, 320)
    # Rotated clockwise, the stored top-left (red) is now the top-right quadrant.
    top_right = display.getpixel((900, 200))
    top_left = display.getpixel((300, 200))
    assert top_right[0] > 180 and top_right[2] < 60
    assert top_left[2] > 180 and top_left[0] < 60


@pytest.mark.parametrize("rendition", ["display", "thumb"])
def test_phone_photo_output_has_no_metadata(phone_jpeg, rendition):
    data = getattr(normalise(phone_jpeg), rendition).data
    img = Image.open(io.BytesIO(data))

    assert len(img.getexif()) == 0
    assert 0x8825 not in img.getexif()
    assert 0x0112 not in img.getexif()
    assert set(img.info) & {"exif", "icc_profile", "comment", "xmp", "photoshop"} == (
        set()
    )
    # Only JFIF among the APPn segments; no COM; baseline (not progressive) frame.
    markers = header_markers(data)
    assert [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE] == []
    assert 0xC0 in markers and 0xC2 not in markers
    for secret in (SERIAL.encode(), MAKERNOTE, IPTC_CITY, b"GPSLatitude", COMMENT):
        assert secret not in data
    for segment_id in (b"Exif\x00\x00", b"ICC_PROFILE", b"Photoshop 3.0", b"xap/1.0"):
        assert segment_id not in data


def test_output_of_a_jpeg_with_trailing_html_is_reencoded_without_it():
    source = encode(Image.new("RGB", (800, 600), RED), "JPEG") + HTML_TAIL

    photo = normalise(source)

    assert photo.display.sha256 != hashlib.sha256(source).hexdigest()
    assert b"<script>" not in photo.display.data
    assert b"<script>" not in photo.thumb.data


def test_comment_segment_is_dropped_even_when_nothing_is_resized():
    # No ICC, no rotation, no resize: the decoded object itself is re-encoded, and
    # Pillow would copy its COM segment unless told not to.
    source = encode(Image.new("RGB", (800, 600), RED), "JPEG", comment=COMMENT)

    photo = normalise(source)

    assert 0xFE not in header_markers(photo.display.data)
    assert b"alert" not in photo.display.data
    assert "comment" not in decoded(photo.display.data).info


def test_output_of_a_jpeg_zip_polyglot_drops_the_archive():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.html", HTML_TAIL)
    source = encode(Image.new("RGB", (800, 600), RED), "JPEG") + archive.getvalue()

    photo = normalise(source)

    assert b"PK\x03\x04" not in photo.display.data
    assert b"payload.html" not in photo.display.data


def test_small_image_is_not_upscaled():
    photo = normalise(encode(Image.new("RGB", (800, 600), RED), "JPEG"))

    assert (photo.display.width, photo.display.height) == (800, 600)
    assert (photo.thumb.width, photo.thumb.height) == (320, 240)


def test_image_smaller_than_thumb_edge_keeps_its_size():
    photo = normalise(encode(Image.new("RGB", (200, 100), RED), "PNG"))

    assert (photo.thumb.width, photo.thumb.height) == (200, 100)


def test_png_with_alpha_is_flattened_on_white_into_jpeg():
    img = Image.new("RGBA", (400, 300), (0, 160, 0, 255))
    img.paste((255, 0, 0, 0), (0, 0, 200, 300))  # left half: transparent red

    photo = normalise(encode(img, "PNG"))
    display = decoded(photo.display.data)

    assert display.format == "JPEG"
    assert display.mode == "RGB"
    assert all(channel > 245 for channel in display.getpixel((50, 150)))
    left_green = display.getpixel((350, 150))
    assert left_green[1] > 140 and left_green[0] < 30


def test_palette_png_with_transparency_is_flattened_on_white():
    img = Image.new("P", (100, 80), 1)
    img.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    img.paste(0, (0, 0, 50, 80))

    photo = normalise(encode(img, "PNG", transparency=0))
    display = decoded(photo.display.data)

    assert all(channel > 245 for channel in display.getpixel((10, 40)))
    assert display.getpixel((90, 40))[2] > 230


def swapped_primaries_profile() -> bytes:
    """An RGB profile whose red and green primaries are swapped (not sRGB)."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack_from(">I", icc, 128)
    entries = {}
    for index in range(count):
        signature, offset, size = struct.unpack_from(">4sII", icc, 132 + 12 * index)
        entries[signature] = (132 + 12 * index, offset, size)
    red_at, red_offset, red_size = entries[b"rXYZ"]
    green_at, green_offset, green_size = entries[b"gXYZ"]
    struct.pack_into(">4sII", icc, red_at, b"rXYZ", green_offset, green_size)
    struct.pack_into(">4sII", icc, green_at, b"gXYZ", red_offset, red_size)
    # Rename it too (the description is UTF-16), so it is not taken for sRGB.
    return bytes(icc).replace("sRGB".encode("utf-16-be"), "Swap".encode("utf-16-be"))


def test_embedded_profile_is_converted_to_srgb_before_it_is_dropped():
    source = encode(
        Image.new("RGB", (64, 48), (255, 0, 0)),
        "JPEG",
        icc_profile=swapped_primaries_profile(),
    )

    display = decoded(normalise(source).display.data)

    red, green, blue = display.getpixel((10, 10))
    assert green > 230 and red < 30 and blue < 30
    assert "icc_profile" not in display.info


def test_unusable_icc_profile_does_not_refuse_the_photo():
    source = encode(Image.new("RGB", (64, 48), RED), "JPEG", icc_profile=b"x" * 200)

    photo = normalise(source)

    assert "icc_profile" not in decoded(photo.display.data).info


# --- refused formats --------------------------------------------------------------


def _fits() -> bytes:
    cards = [
        "SIMPLE  =                    T",
        "BITPIX  =                    8",
        "NAXIS   =                    2",
        "NAXIS1  =                    8",
        "NAXIS2  =                    8",
        "END",
    ]
    header = "".join(card.ljust(80) for card in cards).ljust(2880).encode()
    return header + bytes(2880)


def _psd() -> bytes:
    return b"8BPS\x00\x01" + bytes(6) + struct.pack(">HIIHH", 3, 8, 8, 8, 3) + bytes(64)


def _zip_with_jpeg() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("photo.jpg", encode(Image.new("RGB", (8, 8)), "JPEG"))
    return archive.getvalue()


SMALL = Image.new("RGB", (32, 24), RED)
EXOTIC = {
    "tiff": lambda: encode(SMALL, "TIFF"),
    "bmp": lambda: encode(SMALL, "BMP"),
    "gif": lambda: encode(SMALL, "GIF"),
    "ico": lambda: encode(SMALL, "ICO"),
    "psd": _psd,
    "fits": _fits,
    "eps": lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\nshowpage\n",
    "pdf": lambda: encode(SMALL, "PDF"),
    "svg": lambda: (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(1)</script></svg>"
    ),
    "html": lambda: b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "php": lambda: b"<?php system($_GET['c']); ?>",
    "zip renamed .jpg": _zip_with_jpeg,
}


@pytest.mark.parametrize("kind", EXOTIC)
def test_exotic_format_is_refused_without_reaching_its_decoder(
    kind, forbidden_decoders
):
    with pytest.raises(UnsupportedImage) as refused:
        normalise(EXOTIC[kind]())

    assert refused.value.status == 415
    assert str(refused.value) == (
        "This file is not a photo we can use. Please send a JPEG, PNG or WebP image."
    )
    assert forbidden_decoders == []


def test_tiff_decoder_is_never_opened(monkeypatch):
    calls = []
    monkeypatch.setattr(
        TiffImagePlugin.TiffImageFile, "_open", lambda self: calls.append(self)
    )

    with pytest.raises(UnsupportedImage):
        normalise(encode(SMALL, "TIFF"))

    assert calls == []


@pytest.mark.parametrize(
    ("brands", "name"),
    [
        (b"heic\x00\x00\x00\x00mif1heic", "HEIC"),
        (b"mif1\x00\x00\x00\x00mif1heic", "HEIC"),
        (b"heix\x00\x00\x00\x00mif1heix", "HEIC"),
        (b"msf1\x00\x00\x00\x00msf1hevc", "HEIC"),
        (b"avif\x00\x00\x00\x00avifmif1", "AVIF"),
    ],
)
def test_heif_family_is_refused_with_advice_to_send_jpeg(brands, name):
    ftyp = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    data = ftyp + struct.pack(">I", 16) + b"meta" + bytes(8) + bytes(200)

    with pytest.raises(UnsupportedImage) as refused:
        normalise(data)

    assert refused.value.status == 415
    message = str(refused.value)
    assert f"This photo is in {name} format" in message
    assert "Most Compatible" in message
    assert "JPEG" in message


# --- pixel floods -----------------------------------------------------------------


def test_png_bomb_is_refused_fast_without_allocating():
    bomb = png_claiming(30_000, 30_000)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.perf_counter()

    with pytest.raises(ImageTooLarge) as refused:
        normalise(bomb)

    elapsed = time.perf_counter() - started
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert refused.value.status == 413
    assert elapsed < 1.0
    assert rss_growth_kib < 50 * 1024
    assert str(refused.value) == (
        "This photo is too large to process. The limit is 50 megapixels."
    )


def test_png_in_pillows_warning_band_is_refused_not_warned():
    # 144 MP: above Pillow's warning threshold (89.5 MP), below its error (179 MP).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # as in production: warnings do not raise
        with pytest.raises(ImageTooLarge):
            normalise(png_claiming(12_000, 12_000))

    assert [warning.category for warning in caught] == []


def test_image_over_the_app_cap_is_refused_before_decoding():
    # 60 MP: below Pillow's own limits, above ours.
    with pytest.raises(ImageTooLarge) as refused:
        normalise(png_claiming(8_000, 7_500))

    assert str(refused.value) == (
        "This photo is too large (60 megapixels). The limit is 50 megapixels."
    )


def test_jpeg_whose_frame_claims_65500_square_is_refused():
    source = with_sof_size(encode(SMALL, "JPEG"), 65_500, 65_500)
    started = time.perf_counter()

    with pytest.raises(ImageTooLarge):
        normalise(source)

    assert time.perf_counter() - started < 1.0


def test_max_pixels_is_configurable():
    with pytest.raises(ImageTooLarge) as refused:
        normalise(encode(Image.new("RGB", (2000, 1000)), "PNG"), max_pixels=1_000_000)

    assert str(refused.value) == (
        "This photo is too large (2 megapixels). The limit is 1 megapixels."
    )


def test_48_megapixel_phone_photo_is_accepted():
    img = Image.new("RGB", (8064, 6048), BLUE)
    img.paste(RED, (0, 0, 4032, 3024))
    source = encode(img, "JPEG", quality=85)
    del img
    started = time.perf_counter()

    photo = normalise(source)

    assert time.perf_counter() - started < 3.0
    assert (photo.source_width, photo.source_height) == (8064, 6048)
    assert (photo.display.width, photo.display.height) == (1600, 1200)
    assert (photo.thumb.width, photo.thumb.height) == (320, 240)


# --- damaged files ------------------------------------------------------------------


def test_truncated_images_are_not_tolerated_globally():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_truncated_jpeg_is_broken(noisy_jpeg):
    with pytest.raises(BrokenImage) as refused:
        normalise(noisy_jpeg[: len(noisy_jpeg) * 6 // 10])

    assert refused.value.status == 422
    assert str(refused.value) == (
        "This photo could not be read: the file is damaged or incomplete. "
        "Please take or send the photo again."
    )


def test_truncated_jpeg_is_broken_even_if_a_library_allowed_truncation(
    noisy_jpeg, monkeypatch
):
    # Importing WeasyPrint sets this process-wide flag; uploads must not care.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(BrokenImage):
        normalise(noisy_jpeg[: len(noisy_jpeg) * 6 // 10])


def test_jpeg_headers_followed_by_random_bytes_are_broken(noisy_jpeg):
    start_of_scan = noisy_jpeg.index(b"\xff\xda")
    (length,) = struct.unpack(">H", noisy_jpeg[start_of_scan + 2 : start_of_scan + 4])
    headers = noisy_jpeg[: start_of_scan + 2 + length]
    garbage = random.Random(7).randbytes(len(noisy_jpeg))

    with pytest.raises(BrokenImage):
        normalise(headers + garbage)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff" + random.Random(1).randbytes(4000),
        PNG_SIGNATURE + random.Random(2).randbytes(4000),
        b"RIFF\x00\x10\x00\x00WEBPVP8 " + random.Random(3).randbytes(4000),
        b"",
    ],
    ids=["jpeg magic", "png magic", "webp magic", "empty"],
)
def test_allowed_magic_with_garbage_is_broken_not_unsupported(data):
    with pytest.raises(BrokenImage):
        normalise(data)


def test_truncated_png_is_broken():
    source = encode(Image.effect_noise((600, 400), 64), "PNG")

    with pytest.raises(BrokenImage):
        normalise(source[: len(source) * 6 // 10])


# --- the error contract -------------------------------------------------------------


def test_every_refusal_is_an_image_rejected_with_an_http_status():
    statuses = {
        cls.__name__: (issubclass(cls, ImageRejected), cls.status)
        for cls in (UnsupportedImage, ImageTooLarge, BrokenImage)
    }

    assert statuses == {
        "UnsupportedImage": (True, 415),
        "ImageTooLarge": (True, 413),
        "BrokenImage": (True, 422),
    }
