"""scripts/backup.sh and scripts/restore.sh, exercised as docs/backups.md describes them.

On a PostgreSQL cluster of this module's own (tests/integration/test_faults.py's own_postgres_server): a
migrated database with the demo school in it and some private files, backed up, restored into a fresh
database and an empty media folder; then every table has as many rows as before and every file is there,
byte for byte. A restore over existing data is refused.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.integration.test_faults import DEADLINE_S, STARTUP_S, own_postgres_server, stack_env
from tests.processes import BASE_DIR, free_port, run_python

pytestmark = pytest.mark.integration


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        return {
            table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables
        }


def files_of(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(BASE_DIR / "scripts" / name), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )


def test_a_backup_restores_into_a_fresh_database_with_every_row_and_file(tmp_path):
    with own_postgres_server() as postgres:
        postgres.createdb("source")
        media = tmp_path / "media"
        (media / "photos").mkdir(parents=True)
        (media / "photos" / "sam.jpg").write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 40)
        (media / "prep-sheets").mkdir()
        (media / "prep-sheets" / "klas 4H1.pdf").write_bytes(b"%PDF-1.7\n" + b"x" * 5000)
        env = stack_env(tmp_path, database_url=postgres.url("source"), port=free_port(), media=media)
        env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DEMO_MODE="1")
        for command in (["migrate", "--noinput"], ["seed_demo", "--students", "60"]):
            done = run_python(["manage.py", *command], env=env, timeout=STARTUP_S)
            assert done.returncode == 0, done.stdout + done.stderr
        before = row_counts(postgres.url("source"))
        assert before["school_student"] > 0
        assert sum(before.values()) > 500  # the demo school, not an empty schema

        backup = tmp_path / "backup"
        made = script("backup.sh", str(backup), env=env)
        assert made.returncode == 0, made.stderr
        assert {path.name for path in backup.iterdir()} == {"database.dump", "media.tar.gz", "SHA256SUMS"}

        postgres.createdb("restored")
        restored_media = tmp_path / "restored-media"
        target = {**env, "DATABASE_URL": postgres.url("restored"), "MEDIA_ROOT": str(restored_media)}
        restored = script("restore.sh", str(backup), env=target)
        assert restored.returncode == 0, restored.stderr

        assert row_counts(postgres.url("restored")) == before
        assert files_of(restored_media) == files_of(media)
        # The restored database is a working one: Django finds nothing left to migrate.
        plan = run_python(["manage.py", "migrate", "--check"], env=target, timeout=DEADLINE_S)
        assert plan.returncode == 0, plan.stdout + plan.stderr

        # Never over existing data.
        again = script("restore.sh", str(backup), env={**target, "MEDIA_ROOT": str(tmp_path / "empty")})
        assert again.returncode == 1
        assert "restore into a fresh one" in again.stderr
        assert row_counts(postgres.url("restored")) == before
