"""`make demo` runs on the embedded defaults: SQLite and Celery in-process. The rest of the
suite runs on PostgreSQL, so this walks the demo's path in a process of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_ENV = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}


def test_the_demo_labels_and_aggregates_on_sqlite_with_in_process_celery(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SKIP_ENV}
    env.update(DEBUG="1", DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "demo" / "sqlite_walkthrough.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["vendor"] == "sqlite"
    assert report["statuses"] == [200]
    assert report["annotations"] == 6  # three annotators, two tasks each
    assert report["aggregated"] >= 1  # overlap 3: in-process Celery aggregated it
