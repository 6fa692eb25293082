"""WSGI entry point (gunicorn via `khedmat serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
application = get_wsgi_application()
