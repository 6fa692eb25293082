"""Saved incident lists: a staff member keeps a queue with its filters under a name."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.core.services import record_activity
from khedmat.itsm.errors import SavedViewError
from khedmat.itsm.models import SavedIncidentView

MAX_SAVED_VIEWS = 20
#: The list's parameters a saved view keeps, in this order (the cursor `after` is never kept).
VIEW_PARAMS = ("queue", "q", "status", "priority", "service", "category", "age")


def clean_query(query: str) -> str:
    """The known list parameters of a query string, non-empty, in VIEW_PARAMS order."""
    given = {name: value.strip()[:100] for name, value in parse_qsl(query) if value.strip()}
    return urlencode([(name, given[name]) for name in VIEW_PARAMS if name in given])


def save_incident_view(user: User, *, name: str, query: str) -> SavedIncidentView:
    """Keep the current queue and filters under a name (the same name replaces it)."""
    name = name.strip()[:80]
    if not name:
        raise SavedViewError(_("Give the view a name."))
    with transaction.atomic():
        mine = SavedIncidentView.objects.filter(user=user)
        if not mine.filter(name=name).exists() and mine.count() >= MAX_SAVED_VIEWS:
            raise SavedViewError(_("You have the most saved views allowed: delete one first."))
        try:
            view, _created = SavedIncidentView.objects.update_or_create(
                user=user, name=name, defaults={"query": clean_query(query)}
            )
        except IntegrityError as error:  # a double click saving the same name twice
            raise SavedViewError() from error
        record_activity(view, "incident_view.saved", actor=user, new=view.query)
    return view


def delete_incident_view(user: User, *, view_id: int) -> bool:
    """Delete one of the user's saved views; False when it is not theirs or gone."""
    with transaction.atomic():
        view = SavedIncidentView.objects.filter(user=user, pk=view_id).first()
        if view is None:
            return False
        record_activity(view, "incident_view.deleted", actor=user, old=view.query)
        view.delete()
    return True
