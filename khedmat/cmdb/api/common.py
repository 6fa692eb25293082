"""What the CMDB API's operations share: the router, the caller's permission (403 otherwise), the
records a body names by code (422 naming the field otherwise), the error shape they document and
the field types of their bodies (codes, e-mail addresses, money)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator, model_validator

from khedmat.accounts.models import User
from khedmat.cmdb.errors import UnknownCodeError
from khedmat.cmdb.models import ConfigurationItem, Supplier
from khedmat.sla.models import SlaPolicy

router = Router(tags=["cmdb"])


class ErrorOut(Schema):
    """A refusal: the translated reason (and, for a body of the wrong shape, ninja's details)."""

    detail: str
    errors: list[Any] | None = None


#: What a write documents besides its answer: no permission, an unknown record in the path, a
#: refusal of the use case for the record's state, input that names nothing or does not fit.
WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def caller_with(request: HttpRequest, *permissions: str) -> User:
    """The caller, who must hold every permission (403 otherwise)."""
    user = request.user
    assert isinstance(user, User)  # django_auth let a signed-in user through
    if not all(user.has_perm(f"cmdb.{name}") for name in permissions):
        raise HttpError(403, "Forbidden")
    return user


def _unknown(code: object, field: str) -> UnknownCodeError:
    return UnknownCodeError(
        gettext("Nothing has the code %(code)s (%(field)s).") % {"code": code, "field": field}
    )


def named(
    rows: type[Model] | QuerySet[Any], code: str | int | None, field: str, *, key: str = "code"
) -> Any:
    """The row of `rows` whose `key` is `code` (None for no code); 422 naming `field` when none."""
    if not code:
        return None
    queryset = rows if isinstance(rows, QuerySet) else rows._default_manager.all()
    found = queryset.filter(**{key: code}).first()
    if found is None:
        raise _unknown(code, field)
    return found


def named_all(
    rows: type[Model] | QuerySet[Any], codes: Iterable[str], field: str, *, key: str = "code"
) -> list[Any]:
    """Every row of `rows` named in `codes` (each once); 422 naming the field and every code that
    names nothing."""
    wanted = sorted(set(codes))
    queryset = rows if isinstance(rows, QuerySet) else rows._default_manager.all()
    found = list(queryset.filter(**{f"{key}__in": wanted}))
    missing = sorted(set(wanted) - {getattr(row, key) for row in found})
    if missing:
        raise _unknown(", ".join(missing), field)
    return found


def staff_member(username: str | None, field: str) -> User | None:
    """The active staff member with this username (None for none); 422 naming `field` otherwise."""
    if not username:
        return None
    person = User.objects.filter(username=username, is_active=True, is_staff=True).first()
    if person is None:
        raise UnknownCodeError(
            gettext("No active staff member has the username %(username)s (%(field)s).")
            % {"username": username, "field": field}
        )
    return person


class PatchIn(Schema):
    """A partial change: only the fields sent change; those in NOT_NULL may not be sent as null
    (the record needs a value), which fails the body's shape (422) before anything is read."""

    NOT_NULL: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_null_where_a_value_is_needed(self) -> PatchIn:
        nulls = sorted(
            name
            for name in self.model_fields_set & set(self.NOT_NULL)
            if getattr(self, name) is None
        )
        if nulls:
            raise ValueError(f"These fields need a value, not null: {', '.join(nulls)}")
        return self


#: A record's code (or an asset's tag): a slug, as the models keep them.
SLUG = r"^[-a-zA-Z0-9_]+$"
READ_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}


def checked_email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as error:
            raise ValueError("not an e-mail address") from error
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(checked_email)]
Money = Annotated[int, Field(ge=0, lt=10**18)]


def records_named(changes: dict[str, Any]) -> dict[str, Any]:
    """The codes a body names, as the records the use cases take (422 naming the field of one
    that names nothing, before anything is written)."""
    if "supplier" in changes:
        changes["supplier"] = named(Supplier, changes["supplier"], "supplier")
    if "configuration_item" in changes:
        code = changes["configuration_item"]
        changes["configuration_item"] = named(ConfigurationItem, code, "configuration_item")
    if "sla_policy" in changes:
        changes["sla_policy"] = named(SlaPolicy, changes["sla_policy"], "sla_policy", key="pk")
    if "items" in changes:
        changes["items"] = named_all(ConfigurationItem, changes["items"], "items")
    return changes
