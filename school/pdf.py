"""Rendering our PDFs with WeasyPrint, shared by every app that makes one (minutes, prep sheets, board prints).

The PDF's HTML refers to our files under a made-up origin (`.invalid` never resolves); the
fetcher serves our static files from disk, and the few stored files (a student's photo) the
caller names for this one PDF from storage, and refuses everything else: no network, no
file:// paths, nothing we did not ship or choose, so a URL in user text cannot make the worker
fetch anything. WeasyPrint is imported on first use, so that the web processes, which only
queue PDFs, never load it.
"""

from __future__ import annotations

import functools
import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, default_storage
from django.utils._os import safe_join

PDF_BASE_URL = "https://leerlingbespreking.invalid/"
PDF_STATIC_PREFIX = "static/"
PDF_MEDIA_PREFIX = "media/"


def pdf_static_url(path: str) -> str:
    """The address a PDF template uses for one of our static files (no manifest needed in the worker)."""
    return f"{PDF_BASE_URL}{PDF_STATIC_PREFIX}{path}"


def pdf_media_url(name: str) -> str:
    """The address a PDF template uses for a stored file; served only when the render names it (html_to_pdf)."""
    return f"{PDF_BASE_URL}{PDF_MEDIA_PREFIX}{quote(name)}"


def _our_path(url: str, prefix: str) -> str | None:
    """The relative path after `prefix` in one of our PDF URLs, or None for anything else (or a path escape)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    base = urlsplit(PDF_BASE_URL)
    full_prefix = f"{base.path}{prefix}"
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(full_prefix):
        return None
    relative = unquote(parts.path[len(full_prefix) :])
    if not relative or relative.startswith("/") or "\\" in relative or ".." in relative.split("/"):
        return None
    return relative


def static_file_for_url(url: str) -> Path | None:
    """The file on disk for one of our static URLs in a PDF, or None for anything else."""
    relative = _our_path(url, PDF_STATIC_PREFIX)
    if relative is None:
        return None
    try:
        found = finders.find(relative)  # the source files: no collectstatic needed in the worker
        if not found and settings.STATIC_ROOT:
            found = safe_join(settings.STATIC_ROOT, relative)
    except SuspiciousFileOperation:
        return None
    if not found or not Path(found).is_file():
        return None
    return Path(found)


def _response(url: str, body: bytes, name: str):
    from weasyprint.urls import URLFetcherResponse

    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


@functools.cache
def static_files_fetcher_class() -> type:
    """WeasyPrint's fetcher for our PDFs: our own static files from disk, nothing else."""
    from weasyprint.urls import URLFetcher

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file_for_url(url)
            if path is None:
                raise ValueError(f"Refused to fetch {url!r}: a PDF uses only our own static files")
            return _response(url, path.read_bytes(), path.name)

    return StaticFilesFetcher


def pdf_fetcher(*, media_names: Iterable[str] = (), storage: Storage | None = None):
    """A fetcher for one PDF: our static files, and exactly the stored files named here (read from `storage`).

    Any other stored file (another student's photo, an earlier PDF) is refused like the rest of the world.
    """
    allowed = frozenset(name for name in media_names if name)
    base = static_files_fetcher_class()
    if not allowed:
        return base()
    storage = storage or default_storage

    class MediaFilesFetcher(base):
        def fetch(self, url, headers=None):
            name = _our_path(url, PDF_MEDIA_PREFIX)
            if name is None:
                return super().fetch(url, headers)
            if name not in allowed:
                raise ValueError(f"Refused to fetch {url!r}: not a file of this PDF")
            with storage.open(name, "rb") as handle:
                return _response(url, handle.read(), name)

    return MediaFilesFetcher()


def html_to_pdf(html: str, *, media_names: Iterable[str] = (), storage: Storage | None = None) -> bytes:
    """The HTML (its links as pdf_static_url / pdf_media_url) as PDF bytes."""
    from weasyprint import HTML

    fetcher = pdf_fetcher(media_names=media_names, storage=storage)
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).write_pdf()
