"""A student's photo on the progress board (issue 6): a mentor of the class uploads or removes it.

An upload is never stored as sent. Pillow reads only the header first, so a file that is not an image
(whatever its name or content type says), a file over PHOTO_MAX_BYTES and an image whose dimensions are
absurd (a decompression bomb: a few kilobytes that unpack to gigabytes) are refused before any pixel is
decoded. What passes is turned upright (EXIF orientation), cropped to a centred square of at most
PHOTO_SIDE pixels and written as a fresh JPEG without metadata (no EXIF, no GPS position, no ICC) under a
new unguessable name. The row points at the new file first; the old file is deleted after the commit.
Nothing is stored on a refusal.
"""

from __future__ import annotations

import io
import logging
import secrets
import threading
import warnings
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

from school.files import files_delete_after_commit
from school.models import Student, User

from .. import policies
from ..models import ProgressCard, ProgressCardChange

logger = logging.getLogger(__name__)

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # a 40-megapixel camera; anything bigger is refused before decoding
PHOTO_SIDE = 400
PHOTO_QUALITY = 85
# The decoders Pillow may use at all: the formats a phone or a school photographer delivers.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
PHOTO_FIELD = "photo"


# WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import (it prefers half an image
# in a PDF to none), and then a cut-off upload would load as a grey-padded photo. Decoding an upload
# turns it off for the moment; the lock keeps two uploads in one process from restoring it wrongly.
_strict_decoding_lock = threading.Lock()


@contextmanager
def _strict_decoding():
    with _strict_decoding_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _refuse(message: str) -> ValidationError:
    return ValidationError({PHOTO_FIELD: message})


def photo_process(upload) -> bytes:
    """The upload as a square JPEG of at most PHOTO_SIDE pixels without metadata; a ValidationError if refused."""
    if upload is None:
        raise _refuse(_("Choose a photo to upload."))
    size = getattr(upload, "size", None)
    if size is None or size > PHOTO_MAX_BYTES:
        raise _refuse(
            _("This file is %(size)s MB; a photo may be at most %(max)d MB.")
            % {"size": f"{(size or 0) / (1024 * 1024):.1f}", "max": PHOTO_MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise _refuse(_("This file is empty. Choose a photo to upload."))
    not_an_image = _("This file is not an image. Upload a photo as JPEG, PNG, WebP or GIF.")
    unreadable = _("This image could not be read; it may be damaged. Try another photo.")
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that: both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload, formats=PHOTO_FORMATS)  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(_too_large_message(None)) from None
        except (OSError, SyntaxError, ValueError):  # UnidentifiedImageError is an OSError
            raise _refuse(not_an_image) from None
        with image:
            width, height = image.size
            if width < 1 or height < 1:
                raise _refuse(not_an_image)
            if width * height > PHOTO_MAX_PIXELS:
                raise _refuse(_too_large_message((width, height)))
            try:
                with _strict_decoding():
                    image.load()
                upright = ImageOps.exif_transpose(image)
                square = ImageOps.fit(
                    _flattened(upright), (min(PHOTO_SIDE, *upright.size),) * 2, method=Image.Resampling.LANCZOS
                )
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _refuse(_too_large_message((width, height))) from None
            except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError):
                raise _refuse(unreadable) from None
    # A new image made of the pixels alone: nothing of the original's metadata can ride along.
    clean = Image.new("RGB", square.size)
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return out.getvalue()


def _too_large_message(dimensions: tuple[int, int] | None) -> str:
    megapixels = PHOTO_MAX_PIXELS // 1_000_000
    if dimensions is None:
        return _("This image is far too large. Upload a photo of at most %(megapixels)d megapixels.") % {
            "megapixels": megapixels
        }
    width, height = dimensions
    message = _(
        "This image is too large (%(width)d by %(height)d pixels). "
        "Upload a photo of at most %(megapixels)d megapixels."
    )
    return message % {"width": width, "height": height, "megapixels": megapixels}


def _flattened(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha; black corners would look broken)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _check_may_update(*, student: Student, actor: User) -> None:
    if student.class_group is None or not student.is_active:
        raise PermissionDenied
    if not policies.can_update_progress_cards(actor, student.class_group):
        raise PermissionDenied


def _record(*, student: Student, actor: User, before: str, after: str) -> None:
    """History on the card, when the student has one. Creating a card for it would mark the card updated;
    the card's version is left alone so a mentor editing the flags meanwhile does not get a conflict."""
    card = ProgressCard.objects.filter(student=student).first()
    if card is not None:
        ProgressCardChange.objects.create(
            card=card, changed_by=actor, before={PHOTO_FIELD: before}, after={PHOTO_FIELD: after}
        )


def student_photo_replace(*, student: Student, actor: User, upload) -> Student:
    """Store a new photo for the student (resized, stripped) and delete the old one after the commit."""
    _check_may_update(student=student, actor=actor)
    data = photo_process(upload)
    field = Student._meta.get_field(PHOTO_FIELD)
    storage = field.storage
    # Saved before the transaction so the row never points at a missing file; removed again on failure.
    name = storage.save(field.generate_filename(student, f"{secrets.token_urlsafe(18)}.jpg"), ContentFile(data))
    try:
        with transaction.atomic():
            locked = Student.objects.select_for_update().get(pk=student.pk)
            old = locked.photo.name or ""
            locked.photo.name = name
            locked.save(update_fields=[PHOTO_FIELD])
            _record(student=student, actor=actor, before=old, after=name)
            if old and old != name:
                files_delete_after_commit([old], storage=storage)
    except BaseException:
        storage.delete(name)
        raise
    student.photo.name = name
    return student


def student_photo_remove(*, student: Student, actor: User) -> Student:
    """Remove the student's photo (the board shows initials again); the file goes after the commit."""
    _check_may_update(student=student, actor=actor)
    field = Student._meta.get_field(PHOTO_FIELD)
    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        old = locked.photo.name or ""
        if old:
            locked.photo.name = ""
            locked.save(update_fields=[PHOTO_FIELD])
            _record(student=student, actor=actor, before=old, after="")
            files_delete_after_commit([old], storage=field.storage)
    student.photo.name = ""
    return student
