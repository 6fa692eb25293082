"""A minimal Django project around django-helpdesk 2.6.1 (run in the peer's own virtualenv)."""
