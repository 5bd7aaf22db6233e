"""Celery beat runs wherever a worker does: `make run` (scripts/run.sh) and docker-compose's `beat` service."""

import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_make_run_and_docker_compose_both_start_one_beat():
    run = (ROOT / "scripts/run.sh").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    beat = (ROOT / "scripts/beat.sh").read_text()
    assert "celery -A config beat" in run
    assert "-m celery -A config beat" in beat
    assert compose.count('command: ["scripts/beat.sh"]') == 1
    assert "\n  beat:\n" in compose


def test_the_scripts_are_valid_bash():
    for script in ("scripts/run.sh", "scripts/beat.sh"):
        subprocess.run(["bash", "-n", str(ROOT / script)], check=True)
