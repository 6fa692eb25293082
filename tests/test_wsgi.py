"""khedmat.wsgi: what a web worker loads at start is frozen out of the garbage collector."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import gc
before = gc.get_freeze_count()
import khedmat.wsgi
print(before, gc.get_freeze_count(), callable(khedmat.wsgi.application))
"""


def test_the_loaded_application_is_frozen_out_of_the_collector():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "khedmat.settings",
        "KHEDMAT_DEBUG": "1",
        "DATABASE_URL": "sqlite:////tmp/khedmat-wsgi-test.sqlite3",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before, after, loaded = done.stdout.split()
    assert (int(before), loaded) == (0, "True")
    assert int(after) > 50_000  # Django and every app's modules: a full collection skips them
