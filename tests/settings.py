"""Test settings: the real settings with a test secret and fast password hashing."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("KHEDMAT_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("KHEDMAT_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("KHEDMAT_HTTPS", "0")
os.environ.setdefault("KHEDMAT_STAFF_2FA", "required")
# Tests (and the workers they start) run without debug on the console SMS backend by default.
os.environ.setdefault("KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS", "1")

from khedmat.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A file, not memory, so worker subprocesses and the live server see the test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405

# Process memory for the cache in tests: fixtures clear it without needing the database. The
# production choice (database table or Redis, never memory) is proven by
# tests/core/test_security_cache.py; rate limits never use the cache (core.ratelimit).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The live server answers each browser request in a new thread; a persistent connection (60 s in
# production) would outlive its thread and the run would pile up idle connections past
# PostgreSQL's max_connections. Close each at the end of its request.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# The Activity table refuses TRUNCATE on PostgreSQL (core migration 0006); the flush after a
# transactional test truncates every table, so test connections let TRUNCATE (only TRUNCATE)
# through. UPDATE and DELETE of Activity rows stay refused, as in production.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c khedmat.audit_maintenance=truncate"
    )
# Anchors of the audit chain written by ticks during tests go to a directory of this run.
# One directory per test run, shared with the worker processes the tests start (they inherit the
# variable) and removed by the process that made it.
if "KHEDMAT_TEST_ANCHOR_DIR" not in os.environ:
    os.environ["KHEDMAT_TEST_ANCHOR_DIR"] = tempfile.mkdtemp(prefix="khedmat-anchors-")
    atexit.register(shutil.rmtree, os.environ["KHEDMAT_TEST_ANCHOR_DIR"], ignore_errors=True)
STORAGES["audit_anchors"]["OPTIONS"]["location"] = os.environ["KHEDMAT_TEST_ANCHOR_DIR"]  # noqa: F405
