"""Seed the topology test's database, run as `python -m tests.topology.seed N` with the servers'
environment (the broker backend, Redis sessions): migrate, load the demo catalog and processes,
and make N applicants, each with a session in the configured session store. Prints the applicants
as JSON on stdout."""

from __future__ import annotations

import json
import os
import sys


def national_code(number: int) -> str:
    """A valid 10-digit national code for a running number."""
    body = f"{number:09d}"
    remainder = sum(int(digit) * (10 - index) for index, digit in enumerate(body)) % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from khedmat.accounts.models import User
    from khedmat.catalog.demo import load_demo_catalog
    from khedmat.processes.demo import load_demo_processes

    call_command("migrate", verbosity=0)
    load_demo_catalog()
    load_demo_processes()
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    group = Group.objects.get(name="applicant")
    applicants = []
    for index in range(count):
        person = User.objects.create(
            username=f"topology-{index}",
            first_name="متقاضی",
            last_name=f"آزمون {index}",
            mobile=f"+98912{5_000_000 + index}",  # no ending that makes the fake SMS misbehave
            national_code=national_code(2000 + index),
            password=make_password(None),
        )
        person.groups.add(group)
        session = session_store()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "khedmat.accounts.backends.AccountBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        applicants.append(
            {
                "session_key": session.session_key,
                "national_code": person.national_code,
                "mobile": "0" + str(person.mobile)[3:],
            }
        )
    json.dump(applicants, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]))
