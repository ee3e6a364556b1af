"""API.md §8: a field with `contentMediaType: image/*` takes a data: URL of a PNG, JPEG, GIF or WebP image
that decodes as one, at most `hyperdiary.max_image_size`; what is stored has no metadata (EXIF with GPS,
XMP, comments). Checked with Pillow on what the server answers and stores."""
import base64
import io

import pytest
from PIL import Image, TiffImagePlugin

from hyperdiary import images, main
from hyperdiary.models import dispose
from tests.conftest import link

MOMENT = "https://ns.hyperdiary.org/diary/schema/entry/moment:1"
GPS = 0x8825


def data_url(raw: bytes, media_type="image/jpeg") -> str:
    return f"data:{media_type};base64," + base64.b64encode(raw).decode()


def decoded(url: str) -> Image.Image:
    head, _, encoded = url.partition(",")
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    image.load()
    return image


def photo_with_gps(size=(64, 48), orientation=None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2024:05:01 12:00:00"  # DateTime
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(GPS).update({1: "N", 2: (TiffImagePlugin.IFDRational(52), TiffImagePlugin.IFDRational(5),
                                         TiffImagePlugin.IFDRational(30)), 3: "E",
                              4: (TiffImagePlugin.IFDRational(4), TiffImagePlugin.IFDRational(53),
                                  TiffImagePlugin.IFDRational(10))})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at home, Keizersgracht 1",
               xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">home</x:xmpmeta>')
    return out.getvalue()


@pytest.fixture
def entries(client, professional, caseload):
    configuration = link(professional.get(caseload).json, "diary.configuration")
    professional.put(configuration, json={"schemas": [MOMENT]})
    return link(client.client(), "diary.entries")


def post(client, entries, picture, status=201):
    return client.post(entries, json={"@type": MOMENT, "dt": "2024-05-01T12:00:00Z", "picture": picture},
                       status=status)


def test_a_jpeg_with_gps_exif_is_stored_without_it(client, entries):
    sent = photo_with_gps()
    original = Image.open(io.BytesIO(sent))
    assert original.getexif().get_ifd(GPS) and "comment" in original.info and "xmp" in original.info
    entry = post(client, entries, data_url(sent)).json
    for picture in (entry["picture"], client.get(entry["@url"]).json["picture"]):
        stored = decoded(picture)
        assert picture.startswith("data:image/jpeg;base64,")
        assert stored.format == "JPEG" and stored.size == (64, 48)
        assert not stored.getexif(), dict(stored.getexif())
        assert not stored.getexif().get_ifd(GPS)
        assert "exif" not in stored.info and "comment" not in stored.info and "xmp" not in stored.info
        assert b"Keizersgracht" not in base64.b64decode(picture.partition(",")[2])
        assert b"PhoneMaker" not in base64.b64decode(picture.partition(",")[2])
        assert stored.getpixel((10, 10))[0] > 150  # still the red picture


def test_the_orientation_is_applied_before_it_goes(client, entries):
    entry = post(client, entries, data_url(photo_with_gps(orientation=6))).json  # "rotate 90° clockwise"
    assert decoded(entry["picture"]).size == (48, 64)


@pytest.mark.parametrize("pillow_format, media_type", [("PNG", "image/png"), ("GIF", "image/gif"),
                                                       ("WEBP", "image/webp")])
def test_png_gif_and_webp_are_taken_and_cleaned(client, entries, pillow_format, media_type):
    image = Image.new("RGB", (20, 10), (0, 120, 255))
    out = io.BytesIO()
    extra = {"comment": b"at home"}
    if pillow_format == "PNG":
        extra = {"exif": Image.Exif()}
        extra["exif"][0x010F] = "PhoneMaker"
    elif pillow_format == "WEBP":
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        extra = {"exif": exif.tobytes()}
    image.save(out, format=pillow_format, **extra)
    assert b"PhoneMaker" in out.getvalue() or b"at home" in out.getvalue()
    entry = post(client, entries, data_url(out.getvalue(), media_type)).json
    stored = decoded(entry["picture"])
    assert stored.format == pillow_format and stored.size == (20, 10)
    raw = base64.b64decode(entry["picture"].partition(",")[2])
    assert b"PhoneMaker" not in raw and b"at home" not in raw


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    return out.getvalue()


BAD = {
    "plain text": "a picture of my cat",
    "an https URL": "https://example.org/cat.png",
    "not base64": "data:image/png;base64,!!!!",
    "not an image": data_url(b"GIF89a but not really" * 10, "image/gif"),
    "a truncated PNG": data_url(small_png()[:40], "image/png"),
    "PNG bytes declared as JPEG": data_url(small_png(), "image/jpeg"),
    "an SVG": data_url(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
    "a URL-encoded data URL": "data:image/png,%89PNG",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_anything_but_an_image_is_a_400_naming_the_field_and_stores_nothing(client, entries, case):
    answer = post(client, entries, BAD[case], status=400).json
    assert [p["name"] for p in answer["extra"]] == ["picture"], answer
    assert client.get(entries + "items").json["@items"] == []


def test_an_image_larger_than_the_limit_is_a_400(client, entries, monkeypatch):
    monkeypatch.setattr(images, "MAX_SIZE", 1000)
    out = io.BytesIO()
    Image.effect_noise((200, 200), 100).save(out, format="PNG")
    assert len(out.getvalue()) > 1000
    answer = post(client, entries, data_url(out.getvalue(), "image/png"), status=400).json
    assert answer["extra"] == [{"name": "picture", "message": "An image may have at most 1000 bytes."}]


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, entries):
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, format="PNG")  # 25 megapixels in a few kB
    assert len(out.getvalue()) < 100_000
    answer = post(client, entries, data_url(out.getvalue(), "image/png"), status=400).json
    assert answer["extra"] == [{"name": "picture", "message": f"An image may have at most {images.MAX_PIXELS} pixels."}]


def test_the_limit_is_a_setting(app_settings):
    app = main({}, **dict(app_settings, **{"hyperdiary.max_image_size": "12345"}))
    try:
        assert images.MAX_SIZE == 12345
    finally:
        dispose(app.registry)
        images.MAX_SIZE = 2 * 1024 * 1024
