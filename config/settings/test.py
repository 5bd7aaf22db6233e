"""Tests: base settings made fast. SQLite unless DATABASE_URL is set (CI sets it)."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-secret-key"  # noqa: S105
DEBUG = False
DEMO_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; integration tests start a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
