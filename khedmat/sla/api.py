"""SLA endpoints: a record's SLA state and clocks. `SlaStateOut` is the schema other APIs embed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from ninja import Router, Schema, Status

from khedmat.sla.models import SlaClock
from khedmat.sla.queries import SlaState, sla_state_for_keys, visible_clocks

router = Router(tags=["sla"])


class SlaStateOut(Schema):
    """A record's SLA as pages show it (see queries.SlaState)."""

    state: str
    state_label: str
    kind: str
    remaining_minutes: int | None
    pause_reason: str
    pause_reason_label: str
    expected_at: dt.datetime | None
    promised_at: dt.datetime
    warned_levels: list[int]

    @staticmethod
    def of(state: SlaState | None) -> dict[str, Any] | None:
        """The schema's fields for a state (None stays None)."""
        if state is None:
            return None
        return {
            "state": state.state,
            "state_label": state.state_label,
            "kind": state.kind,
            "remaining_minutes": state.remaining_minutes,
            "pause_reason": state.pause_reason,
            "pause_reason_label": state.pause_reason_label,
            "expected_at": state.expected_at,
            "promised_at": state.promised_at,
            "warned_levels": list(state.warned_levels),
        }


class SegmentOut(Schema):
    kind: str
    reason: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    working_minutes: int | None
    actor_id: int | None
    team_id: int | None


class ClockOut(Schema):
    id: int
    kind: str
    step_key: str
    state: str
    started_at: dt.datetime
    promised_at: dt.datetime
    due_at: dt.datetime | None
    paused_reason: str
    paused_minutes: int
    warned_levels: list[int]
    breached_at: dt.datetime | None
    met_at: dt.datetime | None
    stopped_at: dt.datetime | None
    team_id: int | None
    segments: list[SegmentOut]


class RecordSlaOut(Schema):
    record_type: str
    record_id: int
    sla: SlaStateOut | None
    clocks: list[ClockOut]


class NotFoundOut(Schema):
    detail: str


def _content_type(label: str) -> ContentType | None:
    app_label, _dot, model = label.lower().partition(".")
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        return None


@router.get(
    "/records/{record_type}/{record_id}/",
    response={200: RecordSlaOut, 404: NotFoundOut},
    summary="SLA state and clocks of a record",
)
def record_sla(request: HttpRequest, record_type: str, record_id: int) -> Status[Any]:
    """Staff of the record's unit: the SLA badge state, and every clock with its segments."""
    not_found = Status(404, {"detail": "Not found."})
    user: Any = request.user
    content_type = _content_type(record_type)
    if content_type is None or not getattr(user, "is_staff_member", False):
        return not_found
    clocks = list(
        visible_clocks(user)
        .filter(record_type=content_type, record_id=record_id)
        .prefetch_related("segments")
        .order_by("started_at", "id")
    )
    if not clocks:
        return not_found
    key = (content_type.pk, record_id)
    state = sla_state_for_keys([key]).get(key)
    return Status(
        200,
        {
            "record_type": f"{content_type.app_label}.{content_type.model}",
            "record_id": record_id,
            "sla": SlaStateOut.of(state),
            "clocks": [_clock_out(clock) for clock in clocks],
        },
    )


def _clock_out(clock: SlaClock) -> dict[str, Any]:
    fields = ClockOut.model_fields.keys() - {"segments"}
    data = {name: getattr(clock, name) for name in fields}
    data["segments"] = list(clock.segments.all())
    return data
