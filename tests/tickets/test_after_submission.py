"""The after-submission job (the applicant's SMS, the search entry) commits with the request: a
process killed right after the commit loses nothing, a real worker then does the job once, and
running it again does nothing twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
from django_tasks_db.models import DBTaskResult

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.notifications.models import Message
from khedmat.search.models import SearchEntry
from khedmat.tickets import services
from khedmat.tickets.models import Ticket
from tests.fixtures.catalog import MakeService
from tests.fixtures.jobs import REPO, WorkerProcesses, worker_env
from tests.fixtures.tickets import FORM_FIELDS

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

#: Files a request in a fresh process and kills that process with SIGKILL right after the commit.
FILE_AND_DIE = textwrap.dedent(
    """
    import os, signal, django
    django.setup()
    from khedmat.accounts.models import User
    from khedmat.catalog.models import Service
    from khedmat.tickets import services
    citizen = User.objects.get(username="{username}")
    version = Service.objects.get(code="{code}").current_version
    ticket = services.submit_request(
        version,
        answers={{"shop_name": "نانوایی بربری", "opening_date": "2026-03-01"}},
        requester=citizen,
        filed_by=citizen,
        principal=services.Principal(name="زهرا کریمی", national_code="0013542419"),
    )
    print(ticket.tracking_code, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.fixture
def plain_service(make_service: MakeService, templates: None) -> Service:
    return make_service("13061709000", rows={"form_fields": FORM_FIELDS, "documents": []})


def test_a_crash_after_the_commit_loses_nothing_and_the_worker_does_it_once(
    worker_processes: WorkerProcesses, plain_service: Service, citizen: User
) -> None:
    script = FILE_AND_DIE.format(username=citizen.username, code=plain_service.code)
    filer = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=worker_env(),
        capture_output=True,
        timeout=120,
    )
    assert filer.returncode == -signal.SIGKILL, filer.stderr.decode()[-2000:]
    code = filer.stdout.decode().strip()
    ticket = Ticket.objects.get(tracking_code=code)  # committed before the process died
    assert not Message.objects.exists()
    assert not SearchEntry.objects.filter(kind="request", object_id=ticket.pk).exists()
    (job,) = DBTaskResult.objects.filter(task_path__endswith=".after_submission_task")
    assert job.args_kwargs["args"] == [ticket.pk]

    worker_processes.run_batch("--no-tick")

    (message,) = Message.objects.filter(event="request_submitted")
    assert code in message.body
    assert SearchEntry.objects.filter(kind="request", object_id=ticket.pk).count() == 1

    assert services.finish_submission(ticket.pk) == "done"  # a redelivered job
    assert Message.objects.filter(event="request_submitted").count() == 1
    assert SearchEntry.objects.filter(kind="request", object_id=ticket.pk).count() == 1
