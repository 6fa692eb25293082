"""Domain errors of the knowledge base."""

from django.utils.translation import gettext_lazy as _


class KnowledgeError(Exception):
    """A knowledge-base use case refused."""

    message = _("This action is not possible.")

    def __str__(self) -> str:
        return str(self.message)


class FeedbackAlreadyGivenError(KnowledgeError):
    message = _("You have already rated this article.")


class IllegalStatusChangeError(KnowledgeError):
    message = _("The article cannot move to this status.")
