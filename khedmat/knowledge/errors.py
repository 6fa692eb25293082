"""Domain errors of the knowledge base."""

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError


class KnowledgeError(DomainError):
    """A knowledge-base use case refused."""

    default_message = _("This action is not possible.")


class FeedbackAlreadyGivenError(KnowledgeError):
    default_message = _("You have already rated this article.")


class IllegalStatusChangeError(KnowledgeError):
    default_message = _("The article cannot move to this status.")
