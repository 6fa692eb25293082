"""WSGI entry point (gunicorn via `khedmat serve`)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: move
# it out of the collector's reach, so a full collection walks only what requests allocate.
gc.collect()
gc.freeze()
