"""tickets reaches processes only through the tickets.workflow port, which processes fills in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from khedmat.processes import services as process_services
from khedmat.tickets import workflow

pytestmark = pytest.mark.django_db


def test_the_processes_app_installs_its_engine_at_start_up() -> None:
    installed = workflow._workflow
    assert installed is not None
    assert installed.start is process_services.start_for_request
    assert installed.deliver is process_services.deliver_message
    assert installed.cancel is process_services.cancel_process


def test_without_an_engine_a_service_naming_a_process_cannot_be_filed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workflow, "_workflow", None)
    ticket: Any = SimpleNamespace(service=SimpleNamespace(process_key="licence"))
    with pytest.raises(ImproperlyConfigured):
        workflow.start_process(ticket, actor=None)
    assert workflow.process_running(ticket) is False
    workflow.deliver_message(ticket, "request_corrected", actor=None)  # nothing to tell: no error
