"""Domain errors of processes, with translated messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from khedmat.processes.validation import Problem

from khedmat.core.errors import DomainError


class ProcessError(DomainError):
    """A process cannot do what was asked; `message` is shown to the user."""

    default_message = _("This process cannot be changed this way.")


class DefinitionImmutableError(ProcessError):
    default_message = _("A published process definition cannot be changed: create a new version.")


class DefinitionNotPublishedError(ProcessError):
    default_message = _("Only a published process definition can be started.")


class InvalidDefinitionError(ProcessError):
    """The document has problems; `problems` lists each with its element."""

    default_message = _("The process definition has problems and cannot be published.")

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__()


class ActiveInstanceError(ProcessError):
    default_message = _("This request already has a running process.")


class WorkItemClosedError(ProcessError):
    default_message = _("This task is already done or was withdrawn.")


class ProcessEngineError(ProcessError):
    default_message = _("The process could not continue.")


class ServiceCallNotFailedError(ProcessError):
    default_message = _("Only a failed step can be tried again.")


class ActionNotAllowedError(ProcessError):
    default_message = _("You may not act on this task.")
