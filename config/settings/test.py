"""Tests: base settings made fast. SQLite unless DATABASE_URL is set (CI sets it)."""

import os

# Set before base.py reads it: base refuses to start without one when DEBUG is off.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from .base import *  # noqa: F403
from .base import env

DEBUG = False
DEMO_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; integration tests start a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Uploaded photos and generated PDFs of test runs stay apart from the developer's own.
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the browser tests' live server then gives every request
    # thread its own connection, as in production, instead of sharing one.
    VAR_DIR.mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405

# Django's test client logs in without a request, which django-axes refuses: see school/auth.py.
AUTHENTICATION_BACKENDS = ["school.auth.TestClientAxesBackend", *AUTHENTICATION_BACKENDS[1:]]  # noqa: F405
