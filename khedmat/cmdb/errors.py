"""Why a CMDB use case refused."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError


class CmdbError(DomainError):
    """A use case on CIs, relations, assets, licences, contracts or suppliers refused."""


class CiAttributeError(CmdbError):
    """An attribute value the CI's type does not allow (the message names the attribute)."""

    default_message = _("An attribute value is not valid.")
    status_code = 422


class RelationError(CmdbError):
    default_message = _("These configuration items cannot be related that way.")


class DuplicateCodeError(CmdbError):
    default_message = _("Another configuration item has this code.")
    status_code = 422


class UnknownCodeError(CmdbError):
    """Input names something (a type, a team, a service) that does not exist."""

    default_message = _("Nothing has this code.")
    status_code = 422
