"""A real Celery worker for the integration tests: scripts/worker.sh with the production settings.

The worker is a process of its own, as in docker-compose.yml: it reads the test database
(committed rows: a transactional test), takes its messages from the broker and writes its
files into MEDIA_ROOT, where the test reads them back.

The broker: REDIS_URL's Redis when set (CI), on an empty database number of its own;
otherwise a redis-server started here when the machine has one; otherwise kombu's
filesystem broker in a temporary folder, so the tests run anywhere.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery import Celery
from django.db import connection

from tests.processes import BASE_DIR, clean_env, own_redis_server

DEADLINE_S = 90  # worker start-up (Django, WeasyPrint) and one PDF, on a busy CI machine


# --- the broker ------------------------------------------------------------------------------------------------


def _empty_redis_database(url: str) -> str:
    """An empty database number (1-15) at REDIS_URL's server, claimed against parallel runs."""
    import redis

    parts = urlsplit(url)
    numbers = list(range(1, 16))
    random.shuffle(numbers)
    for number in numbers:
        candidate = parts._replace(path=f"/{number}").geturl()
        client = redis.Redis.from_url(candidate)
        try:
            if client.dbsize() == 0 and client.set("leerlingbespreking:minutes-test", "1", nx=True, ex=600):
                return candidate
        except redis.ResponseError:  # fewer databases configured
            pass
        finally:
            client.close()
    pytest.fail(f"no empty Redis database in 1-15 at {parts.hostname}:{parts.port}")


@pytest.fixture
def broker(tmp_path) -> Iterator[dict[str, str]]:
    """Environment for the worker's broker, and for the probe that sends it the message."""
    queue_dir = {"CELERY_QUEUE_DIR": str(tmp_path / "celery")}
    if os.environ.get("REDIS_URL"):
        url = _empty_redis_database(os.environ["REDIS_URL"])
        try:
            yield {"REDIS_URL": url, **queue_dir}
        finally:
            import redis

            client = redis.Redis.from_url(url)
            client.flushdb()
            client.close()
    elif shutil.which("redis-server"):
        with own_redis_server(tmp_path) as url:
            yield {"REDIS_URL": url, **queue_dir}
    else:
        yield queue_dir


def probe_app(broker: dict[str, str]) -> Celery:
    """A bare Celery client on the worker's broker: this process's own app runs tasks eagerly."""
    app = Celery("minutes-probe", set_as_current=False)
    if "REDIS_URL" in broker:
        app.conf.broker_url = broker["REDIS_URL"]
    else:
        folder = Path(broker["CELERY_QUEUE_DIR"])
        for name in ("queue", "control"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        app.conf.broker_url = "filesystem://localhost/"
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
        }
    app.conf.task_serializer = "json"
    return app


# --- the worker ------------------------------------------------------------------------------------------------


def _database_url() -> str:
    """The test database this process uses, as a DATABASE_URL for the worker."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        parts = urlsplit(os.environ["DATABASE_URL"])
        return parts._replace(path=f"/{settings['NAME']}").geturl()
    pytest.skip(f"no worker test for {connection.vendor}")


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def worker(tmp_path, broker, media) -> Iterator[tuple[subprocess.Popen, Path, dict[str, str]]]:
    log = tmp_path / "worker.log"
    env = clean_env(
        PYTHON=sys.executable,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url(),
        MEDIA_ROOT=str(media),
        STATIC_ROOT=str(tmp_path / "static-never-collected"),
        WORKER_CONCURRENCY="1",
        **broker,
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(BASE_DIR / "scripts" / "worker.sh")],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, log, broker
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # a warm shutdown
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def wait_for_job(job, process: subprocess.Popen, log: Path, *, until):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.25)
    pytest.fail(f"job {job.pk} still {job.status} after {DEADLINE_S} s:\n{log.read_text(errors='replace')[-4000:]}")


def wait_for_log(log: Path, process: subprocess.Popen, word: str, *, times: int) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while log.read_text(errors="replace").count(word) < times:
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the worker did not log {word!r} {times} times:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.25)


def deliver_twice(job, task: str, broker: dict[str, str], process: subprocess.Popen, log: Path):
    """Send the job's message twice through the real broker: the first delivery makes the PDF, the second
    finds nothing to claim. Asserts exactly that; returns the job as it ended and the PDF's bytes."""
    done = type(job).Status.DONE
    probe = probe_app(broker)
    try:
        probe.send_task(task, args=[job.pk])
        job = wait_for_job(job, process, log, until=lambda j: j.is_done)
        assert job.status == done, job.error
        first_file = job.file.name

        probe.send_task(task, args=[job.pk])  # delivered again: the claim lets nothing happen
        wait_for_log(log, process, "succeeded", times=2)
    finally:
        probe.close()

    job.refresh_from_db()
    assert (job.status, job.attempts, job.file.name) == (done, 1, first_file)
    with job.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    return job, data
