"""Saved desk lists: a staff member keeps a list's filters under a name and opens them again.

The app that owns a list registers it from its ``AppConfig.ready()`` with the parameters a view
keeps (never the keyset cursor), the permission that reads the list, the URL name of its page and
the Activity noun of its verbs::

    register_saved_list(
        "cis", params=("q", "type", "status"), permission="cmdb.view_configurationitem",
        page="cmdb:ci_list", noun="ci_view", labels=(_("CI view saved"), _("CI view deleted")),
    )

and mounts the save and delete URLs under the list with `khedmat.core.views.saved_view_urls`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import SavedViewError
from khedmat.core.models import SavedListView
from khedmat.core.services import record_activity
from khedmat.core.verbs import register_verbs

MAX_SAVED_VIEWS = 20


@dataclass(frozen=True)
class SavedList:
    """A desk list whose filters may be saved."""

    kind: str
    params: tuple[str, ...]
    permission: str
    page: str
    noun: str

    @property
    def saved_verb(self) -> str:
        return f"{self.noun}.saved"

    @property
    def deleted_verb(self) -> str:
        return f"{self.noun}.deleted"


_lists: dict[str, SavedList] = {}


def register_saved_list(
    kind: str,
    *,
    params: Sequence[str],
    permission: str,
    page: str,
    noun: str,
    labels: tuple[Promise, Promise],
) -> SavedList:
    """Let staff save views of the list `kind` (its saved and deleted verbs get `labels`)."""
    saved = SavedList(kind, tuple(params), permission, page, noun)
    if _lists.get(kind, saved) != saved:
        raise ValueError(f"the saved list {kind!r} is already registered otherwise")
    _lists[kind] = saved
    register_verbs({saved.saved_verb: labels[0], saved.deleted_verb: labels[1]})
    return saved


def saved_list(kind: str) -> SavedList:
    """The registered list `kind` (LookupError when no app registered it)."""
    try:
        return _lists[kind]
    except KeyError as error:
        raise LookupError(f"no saved list {kind!r}") from error


def clean_query(query: str, kind: str) -> str:
    """The list's known parameters of a query string, non-empty, in their registered order."""
    given = {name: value.strip()[:100] for name, value in parse_qsl(query) if value.strip()}
    return urlencode([(name, given[name]) for name in saved_list(kind).params if name in given])


def saved_views_of(user: AbstractBaseUser, kind: str) -> list[SavedListView]:
    """The user's saved views of one list, by name."""
    return list(SavedListView.objects.filter(user_id=user.pk, kind=kind))


def save_list_view(user: AbstractBaseUser, *, kind: str, name: str, query: str) -> SavedListView:
    """Keep the list's current filters under a name (the same name replaces it)."""
    if kind not in _lists:
        raise SavedViewError()
    name = name.strip()[:80]
    if not name:
        raise SavedViewError(_("Give the view a name."))
    with transaction.atomic():
        mine = SavedListView.objects.filter(user_id=user.pk, kind=kind)
        if not mine.filter(name=name).exists() and mine.count() >= MAX_SAVED_VIEWS:
            raise SavedViewError(_("You have the most saved views allowed: delete one first."))
        try:
            view, _created = SavedListView.objects.update_or_create(
                user_id=user.pk, kind=kind, name=name, defaults={"query": clean_query(query, kind)}
            )
        except IntegrityError as error:  # a double click saving the same name twice
            raise SavedViewError() from error
        record_activity(view, _lists[kind].saved_verb, actor=user, new=view.query)
    return view


def delete_list_view(user: AbstractBaseUser, *, kind: str, view_id: int) -> bool:
    """Delete one of the user's saved views of that list; False when not theirs or gone."""
    with transaction.atomic():
        view = SavedListView.objects.filter(user_id=user.pk, kind=kind, pk=view_id).first()
        if view is None:
            return False
        record_activity(view, saved_list(kind).deleted_verb, actor=user, old=view.query)
        view.delete()
    return True


def saved_views_context(
    user: AbstractBaseUser | AnonymousUser, kind: str, query: str
) -> dict[str, object]:
    """What a list page's saved-views bar shows: the user's views and the page's own filters."""
    views = saved_views_of(user, kind) if isinstance(user, AbstractBaseUser) else []
    return {"saved_views": views, "current_query": clean_query(query, kind)}
