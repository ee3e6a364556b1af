"""Images in bodies: a field whose schema says `contentMediaType: image/*` takes a `data:` URL of a PNG,
JPEG, GIF or WebP image that decodes as one, and what is stored is the image without its metadata.

A photo from a phone carries EXIF (where it was taken, to a few metres; the device; the time), XMP and
comments. In a care record that is a client's home address nobody asked for. So every image is decoded
(Pillow) and written again from its pixels: orientation applied, only the colour profile (and a GIF's or
PNG's transparency) kept. Decoding is what proves it is an image, and it is bounded before it starts:
at most `hyperdiary.max_image_size` bytes (default 2 MiB; the body limit applies first) and MAX_PIXELS
pixels (a 2 MiB PNG can hold a 20,000 × 20,000 image: 1.6 GB decoded). An animated GIF or WebP keeps its
first frame (each frame is an image to bound and clean; nothing of the contract animates).

The check runs as the `contentMediaType` keyword of every schema's validator (bodies.Validator), so an
image is refused wherever it sits; `problems` then puts the cleaned images in place of what was sent
(`cleaned` below), before anything is stored.
"""
import base64
import binascii
import contextlib
import contextvars
import io
import re

from jsonschema.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIZE = 2 * 1024 * 1024  # set from hyperdiary.max_image_size (includeme)
# 12 Mi pixels (a 12-megapixel phone photo, 4032 × 3024, fits): about 48 MB decoded as RGBA, twice that
# while the orientation is applied.
MAX_PIXELS = 12 * 1024 * 1024

# The declared type, Pillow's name for the format, and its (subtype) name in the data URL.
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
_DATA_URL = re.compile(r"data:(image/[a-z0-9.+-]+)((?:;[a-z0-9-]+=[^;,]*)*);base64,", re.IGNORECASE)
# What survives of an image's `info`: how it looks, nothing about who, where or when.
_KEPT = ("icc_profile", "transparency")

NOT_DATA_URL = "Send an image as a data: URL (data:image/png;base64,...)."


class NotAnImage(ValueError):
    pass


def clean(value: str) -> str:
    """The data URL of the same image without its metadata; NotAnImage saying why it is not one."""
    found = _DATA_URL.match(value)
    if found is None:
        raise NotAnImage(NOT_DATA_URL)
    media_type = found.group(1).lower()
    if media_type not in FORMATS:
        raise NotAnImage("Send a PNG, JPEG, GIF or WebP image.")
    encoded = value[found.end():]
    if len(encoded) > (MAX_SIZE + 2) // 3 * 4 + 4:
        raise NotAnImage(f"An image may have at most {MAX_SIZE} bytes.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise NotAnImage("The image's base64 is not valid.") from None
    if len(raw) > MAX_SIZE:
        raise NotAnImage(f"An image may have at most {MAX_SIZE} bytes.")
    return f"data:{media_type};base64," + base64.b64encode(_rewritten(raw, FORMATS[media_type])).decode("ascii")


def _rewritten(raw: bytes, pillow_format: str) -> bytes:
    try:
        with Image.open(io.BytesIO(raw), formats=[pillow_format]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise NotAnImage(f"An image may have at most {MAX_PIXELS} pixels.")
            image.load()
            kept = {key: image.info[key] for key in _KEPT if key in image.info}
            upright = ImageOps.exif_transpose(image)
            upright.info = {}
            options = dict(kept, format=pillow_format)
            if pillow_format == "JPEG":
                options.update(quality=90, comment=b"")
            elif pillow_format == "WEBP":
                options.update(quality=90)
            if pillow_format == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, **options)
            return out.getvalue()
    except NotAnImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAnImage(f"Not a {pillow_format.replace('WEBP', 'WebP')} image that can be read.") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, TypeError, KeyError, IndexError):
        # What Pillow raises for a truncated or corrupt file, by format.
        raise NotAnImage(f"Not a {pillow_format.replace('WEBP', 'WebP')} image that can be read.") from None


# --- the keyword ---------------------------------------------------------------------------------------
# {id(sent string): cleaned data URL} of the validation running in this context (bodies.problems).
_CLEANED = contextvars.ContextVar("cleaned_images", default=None)


@contextlib.contextmanager
def collecting():
    found = {}
    token = _CLEANED.set(found)
    try:
        yield found
    finally:
        _CLEANED.reset(token)


def content_media_type(validator, media_type, instance, schema):
    """`contentMediaType: image/...` on a string: a data URL of an image (JSON Schema only annotates it)."""
    if not (isinstance(media_type, str) and media_type.lower().startswith("image/")
            and validator.is_type(instance, "string")):
        return
    try:
        cleaned = clean(instance)
    except NotAnImage as error:
        yield ValidationError(str(error))
        return
    found = _CLEANED.get()
    if found is not None:
        found[id(instance)] = cleaned


def replace(data, cleaned: dict):
    """Puts each cleaned image in place of the string that was sent (found by identity), in place."""
    if not cleaned:
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str) and id(value) in cleaned:
                    item[key] = cleaned[id(value)]
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            for index, value in enumerate(item):
                if isinstance(value, str) and id(value) in cleaned:
                    item[index] = cleaned[id(value)]
                elif isinstance(value, (dict, list)):
                    stack.append(value)


def includeme(config):
    global MAX_SIZE
    MAX_SIZE = int(config.get_settings().get("hyperdiary.max_image_size", MAX_SIZE))
