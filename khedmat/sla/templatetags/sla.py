"""Template tags for SLA state: `{% sla_badge state %}` and `records_states|sla_for:record`.

A page that lists records reads their states in one query and renders a badge per row::

    # view
    states = sla_state_for(page.object_list)
    # template
    {% load sla %}
    {% sla_badge sla_states|sla_for:ticket %}
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.utils import translation
from django.utils.translation import gettext, ngettext

from khedmat.core.digits import localize_digits
from khedmat.sla.choices import Colour
from khedmat.sla.queries import SlaState, record_key

register = template.Library()

# Bootstrap classes per colour state (text-bg-* keeps the contrast right in both directions).
BADGE_CLASSES: dict[str, str] = {
    Colour.OK: "text-bg-success",
    Colour.WARNING: "text-bg-warning",
    Colour.BREACHED: "text-bg-danger",
    Colour.PAUSED: "text-bg-secondary",
    Colour.MET: "text-bg-light border",
    Colour.CANCELLED: "text-bg-light border text-body-secondary",
}


def working_duration(minutes: int, day_minutes: int = 0) -> str:
    """`2 working days 3 h`, `3 h 20 min`, `45 min` (ASCII digits; localise them for display)."""
    minutes = abs(minutes)
    parts = []
    if day_minutes > 0 and minutes >= day_minutes:
        days, minutes = divmod(minutes, day_minutes)
        parts.append(
            ngettext("%(days)d working day", "%(days)d working days", days) % {"days": days}
        )
        hours = minutes // 60
        if hours:
            parts.append(gettext("%(hours)d h") % {"hours": hours})
        return " ".join(parts)
    hours, minutes = divmod(minutes, 60)
    if hours:
        parts.append(gettext("%(hours)d h") % {"hours": hours})
    if minutes or not hours:
        parts.append(gettext("%(minutes)d min") % {"minutes": minutes})
    return " ".join(parts)


def remaining_text(state: SlaState) -> str:
    """What is left, or how late it is, in working time (ASCII digits)."""
    if state.remaining_minutes is None:
        return ""
    duration = working_duration(state.remaining_minutes, state.working_day_minutes)
    if state.remaining_minutes < 0:
        return gettext("late by %(duration)s") % {"duration": duration}
    return gettext("%(duration)s left") % {"duration": duration}


@register.filter
def sla_for(states: dict[Any, SlaState] | None, record: models.Model | None) -> SlaState | None:
    """The state of `record` in a dict made by `sla_state_for` (None when it has no clock)."""
    if not states or record is None or record.pk is None:
        return None
    return states.get(record_key(record))


@register.filter
def sla_remaining(state: SlaState | None) -> str:
    """The remaining (or late) working time of a state, in the active language's digits."""
    if state is None:
        return ""
    return localize_digits(remaining_text(state), (translation.get_language() or "fa")[:2])


@register.inclusion_tag("sla/_badge.html")
def sla_badge(state: SlaState | None, *, show_promise: bool = False) -> dict[str, Any]:
    """A coloured badge: state, remaining time or pause reason; the dates in its tooltip."""
    return {
        "state": state,
        "css": BADGE_CLASSES.get(state.state, "text-bg-light") if state else "",
        "remaining": sla_remaining(state),
        "show_promise": show_promise,
    }
