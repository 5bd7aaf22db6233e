"""Helpers for tests (and benches) that start the project, or a service it needs, in a fresh process.

Settings are read once per process, so a test of how the project starts (which
settings module, which environment) runs it as a subprocess with an environment
made for it, not the one pytest-django and the test settings left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def own_redis_server(folder: Path) -> Iterator[str]:
    """A redis-server of its own on a free port (nothing kept on disk), its log in `folder`; yields its URL.

    Raises RuntimeError (with the log) when it does not answer within 10 s.
    """
    import redis

    port = free_port()
    log_path = folder / "redis.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        f"redis-server did not start:\n{log_path.read_text(errors='replace')}"
                    ) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log.close()
