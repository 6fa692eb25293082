"""Test settings: the real settings with a test secret and fast password hashing."""

import os

os.environ.setdefault("KHEDMAT_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("KHEDMAT_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("KHEDMAT_HTTPS", "0")
os.environ.setdefault("KHEDMAT_STAFF_2FA", "required")

from khedmat.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A file, not memory, so worker subprocesses and the live server see the test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
