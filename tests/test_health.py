"""`/healthz` without a worker, and without a broker.

The checks talk to the real broker (with eager tasks too: a control ping always
goes through the broker), and the Celery app reads its broker from the settings
once per process. So each case asks the test client in a fresh process whose
broker is known: an empty filesystem queue of its own, or a Redis port where
nothing listens. No worker can answer there, whatever else runs on the machine.
The healthy case, with a real worker, is in tests/integration/test_production_stack.py.
"""

import json

from .processes import clean_env, free_port, run_python

ASK_HEALTHZ = """
import json
import django
from django.test.utils import setup_test_environment

django.setup()
setup_test_environment()
from django.test import Client

response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def healthz_in_fresh_process(tmp_path, **env) -> tuple[int, dict]:
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_QUEUE_DIR=str(tmp_path / "celery"),
        **env,
    )
    result = run_python(["-c", ASK_HEALTHZ], env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return answer["status"], answer["body"]


def test_healthz_is_503_when_no_worker_answers(tmp_path):
    status, body = healthz_in_fresh_process(tmp_path)

    assert status == 503
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"ok": True, "detail": "sqlite"}
    assert body["checks"]["broker"] == {"ok": True, "detail": "filesystem"}
    assert body["checks"]["worker"] == {"ok": False, "detail": "no worker answered"}


def test_healthz_is_503_when_the_broker_is_down(tmp_path):
    status, body = healthz_in_fresh_process(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")

    assert status == 503
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["worker"]["ok"] is False
