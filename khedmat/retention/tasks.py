"""Background entry point of retention: the daily destruction run."""

from __future__ import annotations

from django_tasks import TaskContext, task


@task(takes_context=True)
def destroy_expired_task(context: TaskContext, run_id: int) -> int:
    """Run (or resume after a kill) the destruction run `run_id`; returns how many it erased."""
    from khedmat.retention.services import run_destruction

    return run_destruction(run_id, job_id=str(context.task_result.id))
