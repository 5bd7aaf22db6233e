"""Uploads against hostile files: what is not an image, or too big, is refused with a message; nothing else raises.

The upload points are the progress-card photo (boards), the roster import (school) and the grades import
(reviews); the two imports' size and type checks are in test_imports.py.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from boards.services.photos import PHOTO_FIELD, PHOTO_MAX_BYTES, photo_process


def png(width: int = 8, height: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


NOT_IMAGES = [
    b"",
    b"%PDF-1.7\n",
    b"PK\x03\x04",
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"GIF89a",  # a header and nothing after it
    png()[:40],  # a PNG cut off after its header
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
]


@given(data=st.one_of(st.binary(max_size=4000), st.sampled_from(NOT_IMAGES)))
def test_anything_but_an_image_is_refused_with_a_message(data):
    upload = SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        photo_process(upload)
    assert refused.value.message_dict[PHOTO_FIELD]


@given(cut=st.integers(min_value=1, max_value=len(png(64, 64)) - 1))
def test_a_cut_off_image_is_refused_or_whole(cut):
    """Cut within its pixels: refused. Cut only in the end marker after them: the pixels are all there."""
    upload = SimpleUploadedFile("photo.png", png(64, 64)[:cut], content_type="image/png")
    try:
        jpeg = photo_process(upload)
    except ValidationError as refused:
        messages = refused.message_dict[PHOTO_FIELD]
    else:
        messages = []
        assert Image.open(io.BytesIO(jpeg)).size == (64, 64)
    assert messages or jpeg


def test_an_oversized_photo_is_refused_before_it_is_read():
    upload = SimpleUploadedFile("photo.png", png() + b"\x00" * PHOTO_MAX_BYTES, content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        photo_process(upload)
    assert "MB" in refused.value.message_dict[PHOTO_FIELD][0]


def test_a_real_image_passes_as_a_fresh_jpeg():
    assert photo_process(SimpleUploadedFile("photo.png", png(), content_type="image/png")).startswith(b"\xff\xd8")
