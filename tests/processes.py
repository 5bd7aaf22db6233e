"""Helpers for tests that start the project in a fresh process.

Settings are read once per process, so a test of how the project starts (which
settings module, which environment) runs it as a subprocess with an environment
made for it, not the one pytest-django and the test settings left behind.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Variables the test run itself sets (pytest-django, test settings, the e2e
# conftest) or that choose the database, broker and mode: a subprocess gets
# only what the test gives it.
_NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECRET_KEY",
    "DEBUG",
    "DEMO_MODE",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_QUEUE_DIR",
    "CELERY_TASK_ALWAYS_EAGER",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "SECURE_SSL_REDIRECT",
    "PORT",
    "HOST",
}


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without the project's settings, plus `overrides`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _NOT_INHERITED and not name.startswith(("PYTEST_", "COV_"))
    }
    env.update(overrides)
    return env


def run_python(args: list[str], *, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run this interpreter in the project directory; output is captured as text."""
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def dotenv_defines(name: str) -> bool:
    """Whether the developer's `.env` (read by config/settings/base.py) sets `name`."""
    dotenv = BASE_DIR / ".env"
    if not dotenv.exists():
        return False
    pattern = re.compile(rf"^\s*(export\s+)?{re.escape(name)}\s*=", re.MULTILINE)
    return bool(pattern.search(dotenv.read_text(encoding="utf-8", errors="replace")))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
