"""Saved incident and problem lists: a staff member keeps a queue with its filters under a name."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.core.services import record_activity
from khedmat.itsm.errors import SavedViewError
from khedmat.itsm.models import SavedListView

INCIDENTS, PROBLEMS = SavedListView.INCIDENTS, SavedListView.PROBLEMS
MAX_SAVED_VIEWS = 20
#: Each list's parameters a saved view keeps, in this order (the cursor `after` is never kept).
VIEW_PARAMS = {
    INCIDENTS: ("queue", "q", "status", "priority", "service", "category", "age"),
    PROBLEMS: ("queue", "q", "status", "priority", "service", "team"),
}
#: The Activity verbs of saving and deleting, per list.
VERBS = {
    INCIDENTS: ("incident_view.saved", "incident_view.deleted"),
    PROBLEMS: ("problem_view.saved", "problem_view.deleted"),
}


def clean_query(query: str, kind: str = INCIDENTS) -> str:
    """The known parameters of the list's query string, non-empty, in VIEW_PARAMS order."""
    given = {name: value.strip()[:100] for name, value in parse_qsl(query) if value.strip()}
    return urlencode([(name, given[name]) for name in VIEW_PARAMS[kind] if name in given])


def save_list_view(user: User, *, kind: str, name: str, query: str) -> SavedListView:
    """Keep the list's current queue and filters under a name (the same name replaces it)."""
    if kind not in VIEW_PARAMS:
        raise SavedViewError()
    name = name.strip()[:80]
    if not name:
        raise SavedViewError(_("Give the view a name."))
    with transaction.atomic():
        mine = SavedListView.objects.filter(user=user, kind=kind)
        if not mine.filter(name=name).exists() and mine.count() >= MAX_SAVED_VIEWS:
            raise SavedViewError(_("You have the most saved views allowed: delete one first."))
        try:
            view, _created = SavedListView.objects.update_or_create(
                user=user, kind=kind, name=name, defaults={"query": clean_query(query, kind)}
            )
        except IntegrityError as error:  # a double click saving the same name twice
            raise SavedViewError() from error
        record_activity(view, VERBS[kind][0], actor=user, new=view.query)
    return view


def delete_list_view(user: User, *, kind: str, view_id: int) -> bool:
    """Delete one of the user's saved views of that list; False when not theirs or gone."""
    with transaction.atomic():
        view = SavedListView.objects.filter(user=user, kind=kind, pk=view_id).first()
        if view is None:
            return False
        record_activity(view, VERBS[kind][1], actor=user, old=view.query)
        view.delete()
    return True
