"""Background entry points of requests: each loads by id and calls one use case."""

from __future__ import annotations

from django_tasks import task


@task()
def after_submission_task(ticket_id: int) -> str:
    """What follows a filed request outside its transaction: the applicant's SMS, the service's
    process, the search entry. Enqueued in the submitting transaction (the job row commits with the request), so a
    crash between the commit and the job loses nothing; running it twice does nothing twice."""
    from khedmat.tickets.services import finish_submission

    return finish_submission(ticket_id)
