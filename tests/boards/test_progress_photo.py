"""A student's photo on the progress board: a mentor of the class uploads or removes it from the card.

Real images made with Pillow in memory; refusals (not an image, too big a file, absurd dimensions, a damaged
file, the wrong person) store nothing; what is stored is an upright square JPEG of at most 400 px without
metadata under a fresh name, and the old file goes after the commit.
"""

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageFile

from boards.models import ProgressCardChange
from boards.selectors.progress import progress_card_view
from boards.services.photos import PHOTO_MAX_BYTES, student_photo_remove, student_photo_replace
from boards.services.progress import progress_card_save
from tests.factories import PASSWORD

HTMX = {"HTTP_HX_REQUEST": "true"}
RED, BLUE = (220, 20, 20), (20, 20, 220)


# The names the service gives photos (secrets.token_urlsafe(18) + ".jpg"): only these are ours to look at and
# clean up, as other tests may write other files into the same folder at the same time.
OUR_NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.jpg$")


def listing(folder: Path) -> set:
    return {path for path in folder.glob("*") if OUR_NAME.match(path.name)} if folder.exists() else set()


def new_files(folder: Path, before: set) -> set:
    return listing(folder) - before


@pytest.fixture(autouse=True)
def photo_dir(settings, tmp_path):
    """A photos folder of this test's own: other tests (other workers) store photos at the same time."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media" / "photos"


def two_halves(size, *, horizontal: bool = True) -> Image.Image:
    """Red on the left (or top), blue on the right (or bottom)."""
    image = Image.new("RGB", size, BLUE)
    width, height = size
    image.paste(RED, (0, 0, width // 2, height) if horizontal else (0, 0, width, height // 2))
    return image


def png(size=(1200, 800), mode="RGB") -> bytes:
    image = two_halves(size).convert(mode)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_turned(size=(600, 300), orientation=6) -> bytes:
    """A camera JPEG stored sideways: EXIF orientation 6 says "turn 90° clockwise to show", plus metadata."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Testcamera"  # Make
    exif[0x0132] = "2026:11:01 08:00:00"  # DateTime
    out = io.BytesIO()
    two_halves(size).save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims absurd dimensions (a decompression bomb's calling card)."""
    data = bytearray(png((4, 4)))
    # IHDR: 8-byte signature, 4-byte length, b"IHDR", then width and height, ..., then its CRC.
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


def upload(content: bytes, name="foto.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored(student) -> Image.Image:
    student.refresh_from_db()
    with student.photo.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def close(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


# --- processing -------------------------------------------------------------------------------------


def test_a_png_becomes_a_square_jpeg_of_at_most_400_pixels(world, photo_dir):
    student_photo_replace(student=world.student, actor=world.mentor, upload=upload(png(), "klas.png", "image/png"))
    image = stored(world.student)
    assert image.format == "JPEG"
    assert image.size == (400, 400)
    assert world.student.photo.name.startswith("photos/")
    assert world.student.photo.name.endswith(".jpg")
    assert "klas" not in world.student.photo.name
    assert Path(world.student.photo.path) in listing(photo_dir)


def test_a_small_photo_is_cropped_but_not_blown_up(world):
    student_photo_replace(student=world.student, actor=world.mentor, upload=upload(png((300, 200)), "k.png"))
    assert stored(world.student).size == (200, 200)


def test_a_transparent_png_is_laid_on_white(world):
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    student_photo_replace(student=world.student, actor=world.mentor, upload=upload(out.getvalue(), "t.png"))
    assert close(stored(world.student).getpixel((50, 50)), (255, 255, 255), tolerance=5)


def test_exif_orientation_is_applied_and_all_metadata_stripped(world):
    student_photo_replace(student=world.student, actor=world.mentor, upload=upload(jpeg_turned()))
    image = stored(world.student)
    assert image.size == (300, 300)
    # Turned upright, the left (red) half of the sideways picture is on top: top red, bottom blue.
    assert close(image.getpixel((20, 20)), RED)
    assert close(image.getpixel((280, 20)), RED)
    assert close(image.getpixel((20, 280)), BLUE)
    assert not dict(image.getexif())
    assert "exif" not in image.info
    assert "icc_profile" not in image.info


def test_a_new_photo_gets_a_fresh_name_and_the_old_file_goes_after_the_commit(
    world, photo_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        student_photo_replace(student=world.student, actor=world.mentor, upload=upload(png()))
    first = Path(world.student.photo.path)
    assert first.exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        student_photo_replace(student=world.student, actor=world.mentor, upload=upload(png()))
        # Before the commit the old file is still there: the row never points at a missing file.
        assert first.exists()
    assert len(callbacks) == 1
    world.student.refresh_from_db()
    second = Path(world.student.photo.path)
    assert second != first
    assert second.exists()
    assert not first.exists()


def test_removing_the_photo_clears_the_row_and_deletes_the_file(world, django_capture_on_commit_callbacks):
    student_photo_replace(student=world.student, actor=world.mentor, upload=upload(png()))
    path = Path(world.student.photo.path)
    with django_capture_on_commit_callbacks(execute=True):
        student_photo_remove(student=world.student, actor=world.mentor)
    world.student.refresh_from_db()
    assert not world.student.photo
    assert not path.exists()
    assert progress_card_view(student=world.student).photo_url == ""


def test_the_photo_is_kept_in_the_card_history_without_a_new_version_or_changed_mark(world):
    card = progress_card_save(student=world.student, actor=world.mentor, values={"tests_behind": "0"}, version=0)
    ProgressCardChange.objects.all().delete()
    student_photo_replace(student=world.student, actor=world.mentor, upload=upload(png()))
    change = ProgressCardChange.objects.get(card=card)
    assert change.before == {"photo": ""}
    assert change.after == {"photo": world.student.photo.name}
    assert change.changed_by == world.mentor
    card.refresh_from_db()
    assert card.version == 1
    view = progress_card_view(student=world.student)
    assert not view.changed
    assert view.photo_url.startswith(reverse("school:student_photo", args=[world.student.pk]) + "?v=")


# --- refusals ---------------------------------------------------------------------------------------


def _refused(world, photo_dir, the_upload, message):
    before = listing(photo_dir)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        student_photo_replace(student=world.student, actor=world.mentor, upload=the_upload)
    assert caught.value.message_dict["photo"] == [message]
    world.student.refresh_from_db()
    assert not world.student.photo
    assert not new_files(photo_dir, before)
    assert not ProgressCardChange.objects.exists()


NOT_AN_IMAGE = "This file is not an image. Upload a photo as JPEG, PNG, WebP or GIF."


def test_a_text_file_named_jpg_is_refused(world, photo_dir):
    text = upload(b"Dit is geen foto maar een boodschappenlijst.\n" * 20, "foto.jpg", "image/jpeg")
    _refused(world, photo_dir, text, NOT_AN_IMAGE)


def test_an_image_format_we_do_not_decode_is_refused(world, photo_dir):
    out = io.BytesIO()
    Image.new("RGB", (50, 50)).save(out, format="TIFF")
    _refused(world, photo_dir, upload(out.getvalue(), "foto.tif", "image/tiff"), NOT_AN_IMAGE)


def test_a_file_over_8_mb_is_refused(world, photo_dir):
    big = upload(png((50, 50)) + b"\0" * PHOTO_MAX_BYTES, "groot.png", "image/png")
    _refused(world, photo_dir, big, "This file is 8.0 MB; a photo may be at most 8 MB.")


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (
            8000,
            8000,
            "This image is too large (8000 by 8000 pixels). Upload a photo of at most 40 megapixels.",
        ),
        (100_000, 100_000, "This image is far too large. Upload a photo of at most 40 megapixels."),
    ],
)
def test_absurd_dimensions_are_refused_before_decoding(world, photo_dir, width, height, message):
    bomb = png_claiming(width, height)
    assert len(bomb) < 1000
    _refused(world, photo_dir, upload(bomb, "bom.png", "image/png"), message)


@pytest.mark.parametrize("truncated_allowed", [False, True])
def test_a_damaged_image_is_refused(world, photo_dir, monkeypatch, truncated_allowed):
    # WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on when imported (in any process that renders PDFs).
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", truncated_allowed)
    whole = jpeg_turned((800, 800))
    _refused(
        world,
        photo_dir,
        upload(whole[: len(whole) // 2]),
        "This image could not be read; it may be damaged. Try another photo.",
    )


def test_no_file_or_an_empty_file_is_refused(world, photo_dir):
    _refused(world, photo_dir, None, "Choose a photo to upload.")
    _refused(world, photo_dir, upload(b""), "This file is empty. Choose a photo to upload.")


@pytest.mark.parametrize("who", ["team_leader", "other_mentor", "teacher", "student_user", "admin", "outsider"])
def test_only_the_class_mentor_changes_the_photo(world, photo_dir, who):
    before = listing(photo_dir)
    with pytest.raises(PermissionDenied):
        student_photo_replace(student=world.student, actor=getattr(world, who), upload=upload(png()))
    with pytest.raises(PermissionDenied):
        student_photo_remove(student=world.student, actor=getattr(world, who))
    assert not new_files(photo_dir, before)


# --- the view -----------------------------------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def photo_url(world):
    return reverse("boards:progress_photo", args=[world.student.pk])


def test_anonymous_is_sent_to_the_login_page(client, world):
    response = client.post(photo_url(world), {"photo": upload(png())})
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize(
    "who", ["outsider", "student_user", "guardian", "other_mentor", "other_team_leader", "teacher"]
)
def test_out_of_scope_is_404_and_stores_nothing(client, world, photo_dir, who):
    before = listing(photo_dir)
    login(client, getattr(world, who))
    assert client.post(photo_url(world), {"photo": upload(png())}).status_code == 404
    assert client.post(photo_url(world), {"remove": "1"}).status_code == 404
    world.student.refresh_from_db()
    assert not world.student.photo
    assert not new_files(photo_dir, before)


def test_the_team_leader_sees_the_card_but_may_not_change_the_photo(client, world, photo_dir):
    before = listing(photo_dir)
    login(client, world.team_leader)
    assert client.post(photo_url(world), {"photo": upload(png())}).status_code == 403
    response = client.post(photo_url(world), {"photo": upload(png())}, **HTMX)
    assert response.status_code == 403
    assert 'name="photo"' not in response.content.decode()
    assert not new_files(photo_dir, before)
    assert 'name="photo"' not in client.get(reverse("boards:progress", args=[world.class_group.pk])).content.decode()


def test_the_get_method_is_not_allowed(client, world):
    login(client, world.mentor)
    assert client.get(photo_url(world)).status_code == 405


def test_the_mentor_finds_the_photo_form_on_the_card(client, world):
    login(client, world.mentor)
    body = client.get(reverse("boards:progress", args=[world.class_group.pk])).content.decode()
    assert f'action="{photo_url(world)}"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'type="file" name="photo"' in body


def test_a_plain_upload_redirects_to_the_card_and_the_photo_is_served(client, world):
    login(client, world.mentor)
    response = client.post(photo_url(world), {"photo": upload(jpeg_turned())})
    assert response.status_code == 302
    assert response.url.endswith(f"#progress-card-{world.student.pk}")
    served = client.get(reverse("school:student_photo", args=[world.student.pk]))
    assert served.status_code == 200
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert image.format == "JPEG"
    assert max(image.size) <= 400


def test_an_htmx_upload_answers_the_card_with_the_new_photo(client, world):
    login(client, world.mentor)
    response = client.post(photo_url(world), {"photo": upload(png())}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert f'id="progress-card-{world.student.pk}"' in body
    assert reverse("school:student_photo", args=[world.student.pk]) + "?v=" in body
    assert "progress-card--photo_saved" in body


def test_a_refused_upload_answers_422_with_the_reason_and_stores_nothing(client, world, photo_dir):
    before = listing(photo_dir)
    login(client, world.mentor)
    text = upload(b"geen foto", "foto.jpg")
    response = client.post(photo_url(world), {"photo": text}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 422
    assert NOT_AN_IMAGE in body or "geen afbeelding" in body
    assert 'aria-invalid="true"' in body
    plain = client.post(photo_url(world), {"photo": upload(b"geen foto", "foto.jpg")})
    assert plain.status_code == 422
    assert "<html" in plain.content.decode()
    world.student.refresh_from_db()
    assert not world.student.photo
    assert not new_files(photo_dir, before)


def test_the_mentor_removes_the_photo(client, world):
    student_photo_replace(student=world.student, actor=world.mentor, upload=upload(png()))
    login(client, world.mentor)
    response = client.post(photo_url(world), {"remove": "1"}, **HTMX)
    assert response.status_code == 200
    assert "progress-card--photo_removed" in response.content.decode()
    world.student.refresh_from_db()
    assert not world.student.photo
