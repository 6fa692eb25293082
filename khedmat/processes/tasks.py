"""Background entry points of processes: each loads by id and calls one use case."""

from __future__ import annotations

from django_tasks import task


@task()
def run_service_call_task(call_id: int) -> str:
    """Do a service task's work (SMS, inquiry, letter) and move the process on."""
    from khedmat.processes.calls import run_service_call

    return run_service_call(call_id)


@task()
def follow_letter_task(letter_id: int) -> str:
    """Ask the office automation where a request's letter stands; tell the applicant if it moved."""
    from khedmat.processes.letters import follow_letter

    return follow_letter(letter_id)
