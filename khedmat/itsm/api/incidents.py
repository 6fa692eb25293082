"""The incident operations: the list (keyset pages), one incident, logging one, and each action.

No `from __future__ import annotations` here: django-ninja reads the parameters of a paginated
operation in the namespace of ninja.pagination's wrapper, where a name in a string is unknown.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext
from ninja import Query, Status
from ninja.pagination import paginate

from khedmat.accounts.models import User
from khedmat.core.identifiers import normalize_mobile
from khedmat.itsm import queries, services
from khedmat.itsm.api.common import (
    CHANGE_RESPONSES,
    LIST_RELATED,
    LIST_RESPONSES,
    READ_RESPONSES,
    Invalid,
    Pages,
    caller_with,
    changed,
    ci_by_code,
    incident_for,
    invalid,
    named_incident,
    person_by,
    router,
    service_by_code,
    team_by_code,
)
from khedmat.itsm.api.schemas import (
    AssignIn,
    ErrorOut,
    HoldIn,
    IncidentDetailOut,
    IncidentFilters,
    IncidentIn,
    IncidentOut,
    InvalidOut,
    LinkChildIn,
    MergeIn,
    ReasonIn,
    ResolveIn,
    TextIn,
    UpdateIn,
)
from khedmat.itsm.choices import IncidentChannel
from khedmat.itsm.models import Incident, IncidentCategory

# --- incidents: reads --------------------------------------------------------------------------


@router.get(
    "/incidents/",
    response={200: list[IncidentOut], **LIST_RESPONSES},
    summary="Incidents",
    url_name="incident_list",
)
@paginate(Pages, order=queries.INCIDENT_ORDER)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters]) -> QuerySet[Incident]:
    """The incidents of one queue the caller may see (`mine`: assigned to them and open; `team`:
    their teams' open ones; `unassigned`; `open`; `major`; `all`), optionally of one status and
    priority, newest first, `limit` at a time; pass `next` as `after`. A bad `after` is a 400."""
    user = caller_with(request, "view_incident")
    incidents = queries.incident_queue(user, filters.queue)
    if filters.status:
        incidents = incidents.filter(status=filters.status)
    if filters.priority:
        incidents = incidents.filter(priority=filters.priority)
    return incidents.select_related(*LIST_RELATED)


@router.get(
    "/incidents/{code}/",
    response={200: IncidentDetailOut, **READ_RESPONSES},
    summary="One incident",
    url_name="incident_detail",
)
def get_incident(request: HttpRequest, code: str) -> Status[Any]:
    """An incident the caller may see, with its child incidents, files and timeline (internal
    notes included); 404 for one they may not see, as for an unknown code."""
    return Status(200, incident_for(caller_with(request, "view_incident"), code))


# --- incidents: writes -------------------------------------------------------------------------


def _report(body: IncidentIn, user: User) -> services.IncidentReport:
    reporter = person_by(body.reporter, "reporter")
    if reporter is None and not body.reporter_name.strip():
        reporter = user
    mobile = body.reporter_mobile.strip()
    if mobile:
        try:
            mobile = normalize_mobile(mobile)
        except ValidationError as error:
            raise Invalid("reporter_mobile", str(error.messages[0])) from error
    category = None
    if body.category:
        category = IncidentCategory.objects.filter(code=body.category, is_active=True).first()
        if category is None:
            raise Invalid("category", gettext("There is no category with this code."))
    return services.IncidentReport(
        title=body.title,
        description=body.description,
        reporter=reporter,
        reporter_name=body.reporter_name.strip(),
        reporter_mobile=mobile,
        reporter_email=body.reporter_email.strip(),
        service=service_by_code(body.service_code),
        category=category,
        configuration_item=body.configuration_item,
        ci=ci_by_code(body.ci),
        impact=body.impact,
        urgency=body.urgency,
        channel=IncidentChannel.API,
        language=translation.get_language() or "fa",
        team=team_by_code(body.team),
    )


@router.post(
    "/incidents/",
    response={201: IncidentOut, 403: ErrorOut, 422: InvalidOut},
    summary="Log an incident",
    url_name="incident_create",
)
def create_incident(request: HttpRequest, body: IncidentIn) -> Status[Any]:
    """Log an incident (channel `api`): the matrix gives its priority from `impact` and `urgency`,
    the SLA clocks start and the reporter is told. The reporter is an account (`reporter`), or a
    name and contact, or else the caller. 422 for a service, category, team or person unknown."""
    user = caller_with(request, "add_incident")
    try:
        report = _report(body, user)
    except Invalid as error:
        return invalid(error)
    incident = services.report_incident(report, actor=user)
    fresh = Incident.objects.select_related(*LIST_RELATED).get(pk=incident.pk)
    return Status(201, fresh)


def _change(request: HttpRequest, code: str, *permissions: str) -> tuple[User, Incident]:
    user = caller_with(request, "view_incident", *(permissions or ("change_incident",)))
    return user, incident_for(user, code)


@router.post(
    "/incidents/{code}/start/",
    response=CHANGE_RESPONSES,
    summary="Start work on an incident",
    url_name="incident_start",
)
def start_incident(request: HttpRequest, code: str) -> Status[Any]:
    """new → in progress (the first-response clock stops); 409 from another status."""
    user, incident = _change(request, code)
    return changed(user, services.start_incident(incident, actor=user))


@router.post(
    "/incidents/{code}/hold/",
    response=CHANGE_RESPONSES,
    summary="Put an incident on hold",
    url_name="incident_hold",
)
def hold_incident(request: HttpRequest, code: str, body: HoldIn) -> Status[Any]:
    """→ on hold, waiting for the reporter, a supplier or a change: the clocks pause."""
    user, incident = _change(request, code)
    return changed(user, services.hold_incident(incident, reason=body.reason, actor=user))


@router.post(
    "/incidents/{code}/resume/",
    response=CHANGE_RESPONSES,
    summary="Resume work on an incident on hold",
    url_name="incident_resume",
)
def resume_incident(request: HttpRequest, code: str) -> Status[Any]:
    """on hold → in progress: the clocks run again; 409 when it is not on hold."""
    user, incident = _change(request, code)
    return changed(user, services.resume_incident(incident, actor=user))


@router.post(
    "/incidents/{code}/resolve/",
    response=CHANGE_RESPONSES,
    summary="Resolve an incident",
    url_name="incident_resolve",
)
def resolve_incident(request: HttpRequest, code: str, body: ResolveIn) -> Status[Any]:
    """→ resolved with a resolution code and a note (what the reporter reads); the clocks stop,
    child incidents resolve with it, a public notice ends. 422 without a note."""
    user, incident = _change(request, code)
    resolved = services.resolve_incident(incident, code=body.code, note=body.note, actor=user)
    return changed(user, resolved)


@router.post(
    "/incidents/{code}/close/",
    response=CHANGE_RESPONSES,
    summary="Close an incident",
    url_name="incident_close",
)
def close_incident(request: HttpRequest, code: str) -> Status[Any]:
    """resolved → closed (or a new one closed at once); children close with it."""
    user, incident = _change(request, code)
    return changed(user, services.close_incident(incident, actor=user))


@router.post(
    "/incidents/{code}/reopen/",
    response=CHANGE_RESPONSES,
    summary="Reopen a resolved incident",
    url_name="incident_reopen",
)
def reopen_incident(request: HttpRequest, code: str, body: ReasonIn) -> Status[Any]:
    """resolved → in progress, with the reason; a resolution clock starts again. 409 once the
    reopen window has passed."""
    user, incident = _change(request, code)
    return changed(user, services.reopen_incident(incident, reason=body.reason, actor=user))


@router.post(
    "/incidents/{code}/assign/",
    response=CHANGE_RESPONSES,
    summary="Assign an incident to a team and a person",
    url_name="incident_assign",
)
def assign_incident(request: HttpRequest, code: str, body: AssignIn) -> Status[Any]:
    """Give the incident to a team (its unit becomes the incident's) and optionally one of its
    members; 422 for an unknown team or person, or a person outside the team."""
    user, incident = _change(request, code)
    try:
        team, assignee = team_by_code(body.team), person_by(body.assignee, "assignee")
    except Invalid as error:
        return invalid(error)
    assigned = services.assign_incident(incident, team=team, assignee=assignee, actor=user)
    return changed(user, assigned)


@router.post(
    "/incidents/{code}/note/",
    response=CHANGE_RESPONSES,
    summary="Add an internal note",
    url_name="incident_note",
)
def add_note(request: HttpRequest, code: str, body: TextIn) -> Status[Any]:
    """A note staff read and the reporter does not; 422 when empty."""
    user, incident = _change(request, code)
    return changed(user, services.add_incident_note(incident, text=body.text, actor=user))


@router.post(
    "/incidents/{code}/reply/",
    response=CHANGE_RESPONSES,
    summary="Reply to the reporter",
    url_name="incident_reply",
)
def reply(request: HttpRequest, code: str, body: TextIn) -> Status[Any]:
    """A public reply, shown on the reporter's page and sent to them; it counts as the first
    response. 422 when empty."""
    user, incident = _change(request, code)
    return changed(user, services.reply_to_reporter(incident, text=body.text, actor=user))


@router.post(
    "/incidents/{code}/declare-major/",
    response=CHANGE_RESPONSES,
    summary="Declare a major incident",
    url_name="incident_declare_major",
)
def declare_major(request: HttpRequest, code: str) -> Status[Any]:
    """Raise an open incident to major (`itsm.declare_major_incident`, an incident manager);
    the caller and the handler become its stakeholders. 409 when already major or not open."""
    user, incident = _change(request, code, "declare_major_incident")
    return changed(user, services.declare_major_incident(incident, actor=user))


@router.post(
    "/incidents/{code}/updates/",
    response=CHANGE_RESPONSES,
    summary="Post a major incident update",
    url_name="incident_post_update",
)
def post_update(request: HttpRequest, code: str, body: UpdateIn) -> Status[Any]:
    """Send an update to the major incident's stakeholders; a `public` one also becomes the
    portal's status notice. 409 when the incident is not major, 422 when the text is empty."""
    user, incident = _change(request, code)
    services.post_major_update(incident, text=body.text, audience=body.audience, actor=user)
    return changed(user, incident)


@router.post(
    "/incidents/{code}/link-child/",
    response=CHANGE_RESPONSES,
    summary="Link a child incident",
    url_name="incident_link_child",
)
def link_child(request: HttpRequest, code: str, body: LinkChildIn) -> Status[Any]:
    """Make `child` (another report of the same outage) a child of this incident: it resolves
    and closes with it. 409 for a link that cannot be (itself, a child's child, a closed one)."""
    user, parent = _change(request, code)
    try:
        child = named_incident(user, body.child, "child")
    except Invalid as error:
        return invalid(error)
    services.link_child_incident(child, parent=parent, actor=user)
    return changed(user, parent)


@router.post(
    "/incidents/{code}/merge/",
    response=CHANGE_RESPONSES,
    summary="Merge a duplicate incident",
    url_name="incident_merge",
)
def merge_duplicate(request: HttpRequest, code: str, body: MergeIn) -> Status[Any]:
    """Close this incident as a duplicate of `into`; its reporter is told where to follow.
    409 when it is not open or `into` is itself a duplicate."""
    user, duplicate = _change(request, code)
    try:
        into = named_incident(user, body.into, "into")
    except Invalid as error:
        return invalid(error)
    return changed(user, services.merge_duplicate_incident(duplicate, into=into, actor=user))
