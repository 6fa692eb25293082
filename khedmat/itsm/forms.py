"""Forms of the ITSM desk pages: the incident list's filter, logging an incident, each action on
an incident or a problem (one small form each, drawn from the transition tables), a problem and
a known error of one's own.

Forms that take a code (a parent, a duplicate's master, a problem) resolve it to a record the
staff member may see; another unit's record reads as an unknown code.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team, User
from khedmat.catalog.formbuilder.uploads import UploadField
from khedmat.catalog.models import Service
from khedmat.cmdb.models import ConfigurationItem, Contract
from khedmat.cmdb.referrals import contracts_to_refer_to, open_referral_of
from khedmat.core.forms import MobileField, TrackingCodeField
from khedmat.itsm import queries
from khedmat.itsm.choices import (
    Audience,
    HoldReason,
    Impact,
    IncidentStatus,
    ProblemStatus,
    ResolutionCode,
    Urgency,
)
from khedmat.itsm.models import Incident, IncidentCategory, KnownError, Problem
from khedmat.itsm.services import IncidentReport
from khedmat.itsm.services.incidents import ATTACHMENT_MAX_KB, ATTACHMENT_TYPES

TEXT_MAX = 4000
LANGUAGES = [("fa", "فارسی"), ("ar", "العربية"), ("en", "English")]


def _services() -> QuerySet[Service]:
    return (
        Service.objects.filter(current_version__isnull=False)
        .select_related("current_version")
        .order_by("position", "code")
    )


def _staff() -> QuerySet[User]:
    return User.objects.filter(is_staff=True, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


class ServiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        version = obj.current_version
        return str(version.title) if version is not None else str(obj.code)


class CiField(forms.CharField):
    """A CMDB item typed by its code (any case); empty is none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> ConfigurationItem | None:  # type: ignore[override]
        code = (super().clean(value) or "").strip()
        if not code:
            return None
        item = ConfigurationItem.objects.filter(code__iexact=code).first()
        if item is None:
            raise ValidationError(
                _("No configuration item has the code %(code)s."),
                code="unknown",
                params={"code": code},
            )
        return item


class StaffField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


def _select(widget_class: str = "form-select form-select-sm") -> forms.Select:
    return forms.Select(attrs={"class": widget_class})


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(
        attrs={"rows": rows, "class": "form-control form-control-sm", "maxlength": TEXT_MAX}
    )


def _code_input() -> forms.TextInput:
    return forms.TextInput(
        attrs={"class": "form-control form-control-sm", "inputmode": "numeric", "dir": "ltr"}
    )


# --- the list ------------------------------------------------------------------------------------


# --- logging an incident ------------------------------------------------------------------------


class DeskIncidentForm(forms.Form):
    """An incident staff log: what failed, who reports it, how bad, which team takes it."""

    # As the agent types, the known errors that match are offered beside the form (HTMX).
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        widget=forms.TextInput(
            attrs={
                "hx-get": reverse_lazy("itsm:desk_known_error_suggest"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#known-error-suggestions",
                "hx-include": "[name=description]",
            }
        ),
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=TEXT_MAX, widget=_textarea(5)
    )
    reporter = StaffField(
        label=_("Reporting staff member"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— Someone else (fill in below) —"),
        help_text=_("Pick a colleague, or type the name and contact of whoever reports it."),
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=300, required=False)
    reporter_mobile = MobileField(label=_("Reporter's mobile"), required=False, max_length=40)
    reporter_email = forms.EmailField(label=_("Reporter's e-mail"), required=False)
    language = forms.ChoiceField(label=_("Language of the messages"), choices=LANGUAGES)
    service = ServiceField(
        label=_("Service affected"),
        required=False,
        queryset=Service.objects.none(),
        empty_label=_("— No particular service —"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=IncidentCategory.objects.filter(is_active=True),
        empty_label=_("— Choose a category —"),
    )
    ci = CiField(
        label=_("Configuration item (CMDB code)"),
        required=False,
        help_text=_("Its code in the CMDB: the incident's page then shows what else it affects."),
    )
    configuration_item = forms.CharField(
        label=_("Configuration item"),
        max_length=200,
        required=False,
        help_text=_("The server, device or system that failed, if known."),
    )
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices, initial=Impact.LOW)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.LOW)
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.filter(is_active=True).select_related("org_unit"),
        empty_label=_("— Decided by the service —"),
    )

    SELECTS: ClassVar[tuple[str, ...]] = (
        "reporter",
        "language",
        "service",
        "category",
        "impact",
        "urgency",
        "team",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"language": (translation.get_language() or "fa")[:2]})
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = _services()  # type: ignore[attr-defined]
        self.fields["reporter"].queryset = _staff()  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name in self.SELECTS else "form-control"
        self.fields["reporter_email"].widget.attrs["dir"] = "ltr"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("reporter") and not (data.get("reporter_name") or "").strip():
            self.add_error(
                "reporter_name", _("Pick the reporting staff member or type the reporter's name.")
            )
        return data

    def report(self) -> IncidentReport:
        """What the valid form says, for services.report_incident."""
        data = self.cleaned_data
        return IncidentReport(
            title=data["title"],
            description=data["description"],
            reporter=data["reporter"],
            reporter_name=data["reporter_name"].strip(),
            reporter_mobile=data["reporter_mobile"] or "",
            reporter_email=data["reporter_email"],
            service=data["service"],
            category=data["category"],
            configuration_item=data["configuration_item"],
            ci=data["ci"],
            impact=data["impact"],
            urgency=data["urgency"],
            language=data["language"],
            team=data["team"],
        )


# --- actions on an incident ---------------------------------------------------------------------


class ActionForm(forms.Form):
    """One action's fields (none by default); `user` resolves codes to what they may see."""

    def __init__(self, *args: Any, user: User, incident: Incident | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.incident = incident


class HoldForm(ActionForm):
    reason = forms.ChoiceField(
        label=_("Waiting for"), choices=[("", "—"), *HoldReason.choices], widget=_select()
    )


class ResolveForm(ActionForm):
    code = forms.ChoiceField(
        label=_("Resolution"),
        choices=[
            ("", "—"),
            *(
                choice
                for choice in ResolutionCode.choices
                if choice[0] not in (ResolutionCode.DUPLICATE, ResolutionCode.RESOLVED_WITH_PARENT)
            ),
        ],
        widget=_select(),
    )
    note = forms.CharField(
        label=_("What was done (the reporter reads it)"), max_length=TEXT_MAX, widget=_textarea(2)
    )


class AttachForm(ActionForm):
    """A file staff add to the incident (a screenshot, a log as PDF), checked by its content."""

    file = UploadField(
        label=_("File"),
        allowed_types=list(ATTACHMENT_TYPES),
        max_size_kb=ATTACHMENT_MAX_KB,
        max_count=1,
        help_text=_("A picture (PNG, JPEG or WebP) or a PDF, at most 5 MB."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["upload"] = self.files.get(self.add_prefix("file")) if self.files else None
        if cleaned["upload"] is None and not self.errors:
            self.add_error("file", _("Choose a file."))
        return cleaned


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Why"), max_length=TEXT_MAX, widget=_textarea(2))


class ReplyForm(ActionForm):
    text = forms.CharField(
        label=_("Reply (the reporter reads it; sent by SMS or e-mail)"),
        max_length=TEXT_MAX,
        widget=_textarea(3),
    )


class NoteForm(ActionForm):
    text = forms.CharField(
        label=_("Internal note (staff only)"), max_length=TEXT_MAX, widget=_textarea(2)
    )


class AssignForm(ActionForm):
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.filter(is_active=True).select_related("org_unit"),
        empty_label=_("— No team —"),
        widget=_select(),
    )
    assignee = StaffField(
        label=_("Handler"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— Nobody yet —"),
        widget=_select(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = _staff().filter(teams__is_active=True).distinct()
        self.fields["assignee"].queryset = members  # type: ignore[attr-defined]
        if self.incident is not None and not self.is_bound:
            self.initial = {"team": self.incident.team_id, "assignee": self.incident.assignee_id}


class PriorityForm(ActionForm):
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices, widget=_select())
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, widget=_select())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.incident is not None and not self.is_bound:
            self.initial = {"impact": self.incident.impact, "urgency": self.incident.urgency}


class IncidentCodeForm(ActionForm):
    """Another incident by its code: one the staff member may see, else "no such incident"."""

    code = TrackingCodeField(label=_("Incident code"), max_length=40, widget=_code_input())

    def clean_code(self) -> Incident:
        incident = queries.desk_incident(self.user, self.cleaned_data["code"])
        if incident is None:
            raise ValidationError(_("No incident of yours has this code."), code="unknown")
        return incident


class ProblemCodeForm(ActionForm):
    code = TrackingCodeField(label=_("Problem code"), max_length=40, widget=_code_input())

    def clean_code(self) -> Problem:
        problem = queries.desk_problem(self.user, self.cleaned_data["code"])
        if problem is None:
            raise ValidationError(_("No problem of yours has this code."), code="unknown")
        return problem


class CiForm(ActionForm):
    ci = CiField(
        label=_("Configuration item (CMDB code)"),
        required=False,
        help_text=_("Leave empty to unlink it from the CMDB."),
    )


class ContractField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Contract) -> str:  # type: ignore[override]
        return f"{obj.supplier.name} — {obj.title} ({obj.code})"


class ReferForm(ActionForm):
    """Refer the incident to a supplier under a contract in force whose SLA measures them; the
    contracts covering the incident's CI come first."""

    contract = ContractField(
        label=_("Contract"),
        queryset=Contract.objects.none(),
        empty_label=_("— Choose —"),
        widget=_select(),
    )
    reference = forms.CharField(
        label=_("Supplier's ticket number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "dir": "ltr"}),
    )
    note = forms.CharField(
        label=_("What the supplier is asked to do"),
        required=False,
        max_length=TEXT_MAX,
        widget=_textarea(2),
    )
    hold = forms.BooleanField(
        label=_("Put the incident on hold while the supplier works"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ci = self.incident.ci if self.incident is not None and self.incident.ci_id else None
        self.fields["contract"].queryset = contracts_to_refer_to([ci] if ci else None)  # type: ignore[attr-defined]


class SupplierBackForm(ActionForm):
    outcome = forms.CharField(
        label=_("What the supplier did"), required=False, max_length=TEXT_MAX, widget=_textarea(2)
    )


class ChildForm(IncidentCodeForm):
    """A child to take out of this incident (the button under each child)."""

    code = TrackingCodeField(max_length=40, widget=forms.HiddenInput)


class KnownErrorChoiceForm(ActionForm):
    code = forms.CharField(max_length=12, widget=forms.HiddenInput)

    def clean_code(self) -> KnownError:
        known = KnownError.objects.active().filter(code=self.cleaned_data["code"]).first()
        if known is None:
            raise ValidationError(_("This known error is no longer in use."), code="unknown")
        return known


class OpenProblemForm(ActionForm):
    title = forms.CharField(
        label=_("Problem title"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class SubscribeForm(ActionForm):
    person = StaffField(
        label=_("Staff member"),
        queryset=User.objects.none(),
        empty_label=_("— Choose —"),
        widget=_select(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _staff()  # type: ignore[attr-defined]


class MajorUpdateForm(ActionForm):
    text = forms.CharField(
        label=_("Update"),
        max_length=TEXT_MAX,
        widget=_textarea(4),
        help_text=_("What is known, what is being done, when the next update comes."),
    )
    audience = forms.ChoiceField(
        label=_("Send to"),
        choices=Audience.choices,
        initial=Audience.STAFF,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


#: Each incident action: its form and its button's label.
INCIDENT_ACTIONS: dict[str, tuple[type[ActionForm], Promise]] = {
    "claim": (ActionForm, _("Take it")),
    "start": (ActionForm, _("Start work")),
    "hold": (HoldForm, _("Put on hold")),
    "resume": (ActionForm, _("Resume work")),
    "resolve": (ResolveForm, _("Resolve")),
    "close": (ActionForm, _("Close")),
    "reopen": (ReasonForm, _("Reopen")),
    "assign": (AssignForm, _("Assign or refer")),
    "priority": (PriorityForm, _("Change impact and urgency")),
    "ci": (CiForm, _("Set the configuration item")),
    "refer": (ReferForm, _("Refer to a supplier")),
    "supplier_back": (SupplierBackForm, _("Back from the supplier")),
    "withdraw_referral": (ReasonForm, _("Take back from the supplier")),
    "note": (NoteForm, _("Add the note")),
    "attach": (AttachForm, _("Attach the file")),
    "reply": (ReplyForm, _("Send the reply")),
    "link_child": (IncidentCodeForm, _("Link as a child of this incident")),
    "unlink_child": (ChildForm, _("Unlink")),
    "unlink_parent": (ActionForm, _("Unlink from the parent")),
    "merge": (IncidentCodeForm, _("Close as a duplicate of")),
    "open_problem": (OpenProblemForm, _("Open a problem")),
    "link_problem": (ProblemCodeForm, _("Link to the problem")),
    "apply_known_error": (KnownErrorChoiceForm, _("Apply workaround")),
    "declare_major": (ActionForm, _("Declare major incident")),
    "end_major": (ActionForm, _("End major incident")),
    "subscribe": (SubscribeForm, _("Add stakeholder")),
    "post_update": (MajorUpdateForm, _("Send the update")),
}

#: Actions shown on the major-incident page (their refusals are shown there).
MAJOR_PAGE_ACTIONS = frozenset({"subscribe", "post_update", "end_major"})


def incident_actions(
    incident: Incident, user: User, *, with_supplier: bool | None = None
) -> list[str]:
    """The actions this staff member may take on the incident now (the transition table says
    which moves; permissions say who)."""
    if not user.has_perm("itsm.change_incident"):
        return []
    status, is_open = incident.status, incident.is_open
    if with_supplier is None:  # whether the incident is with a supplier now
        with_supplier = open_referral_of(incident) is not None
    allowed = {
        "claim": is_open and incident.assignee_id != user.pk,
        "start": status == IncidentStatus.NEW and incident.can_move_to(IncidentStatus.IN_PROGRESS),
        "hold": incident.can_move_to(IncidentStatus.ON_HOLD),
        "resume": status == IncidentStatus.ON_HOLD,
        "resolve": incident.can_move_to(IncidentStatus.RESOLVED),
        "close": incident.can_move_to(IncidentStatus.CLOSED),
        "reopen": status == IncidentStatus.RESOLVED,
        "assign": is_open,
        "priority": is_open,
        "ci": is_open,
        "refer": is_open and not with_supplier,
        "supplier_back": with_supplier,
        "withdraw_referral": with_supplier,
        "note": True,
        "attach": True,
        "reply": True,
        "link_child": is_open and incident.parent_id is None,
        "unlink_child": True,
        "unlink_parent": incident.parent_id is not None,
        "merge": is_open and incident.duplicate_of_id is None,
        "open_problem": incident.problem_id is None and user.has_perm("itsm.add_problem"),
        "link_problem": incident.problem_id is None and user.has_perm("itsm.change_problem"),
        "apply_known_error": is_open,
        "declare_major": is_open
        and not incident.is_major
        and user.has_perm("itsm.declare_major_incident"),
        "end_major": incident.is_major and user.has_perm("itsm.declare_major_incident"),
        "subscribe": incident.is_major,
        "post_update": incident.is_major,
    }
    return [name for name, ok in allowed.items() if ok]


def incident_forms(
    incident: Incident,
    user: User,
    actions: list[str],
    bound: tuple[str, ActionForm] | None = None,
) -> dict[str, ActionForm]:
    """An unbound form per available action (each with its prefix, so ids never clash), and the
    bound one that failed in its place, with what was typed."""
    built: dict[str, ActionForm] = {}
    for name in actions:
        form_class = INCIDENT_ACTIONS[name][0]
        built[name] = form_class(user=user, incident=incident, prefix=name)
    if bound is not None:
        built[bound[0]] = bound[1]
    return built


# --- problems and known errors ------------------------------------------------------------------


class ProblemForm(forms.Form):
    """A problem staff open on their own (or from one incident by its code)."""

    title = forms.CharField(label=_("Title"), max_length=300)
    symptom = forms.CharField(
        label=_("Symptom"), required=False, max_length=TEXT_MAX, widget=_textarea(4)
    )
    service = ServiceField(
        label=_("Service affected"),
        required=False,
        queryset=Service.objects.none(),
        empty_label=_("— No particular service —"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.filter(is_active=True).select_related("org_unit"),
        empty_label=_("— Choose the team that analyses it —"),
        help_text=_("The team owns the problem; its unit's staff see it."),
    )
    incident = TrackingCodeField(
        label=_("From incident (code)"), required=False, max_length=40, widget=_code_input()
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["service"].queryset = _services()  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            if name in ("service", "team"):
                field.widget.attrs["class"] = "form-select"
            elif name != "incident":
                field.widget.attrs["class"] = "form-control"

    def clean_incident(self) -> Incident | None:
        code = self.cleaned_data["incident"]
        if not code:
            return None
        incident = queries.desk_incident(self.user, code)
        if incident is None:
            raise ValidationError(_("No incident of yours has this code."), code="unknown")
        return incident


class ProblemActionForm(forms.Form):
    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


class RootCauseForm(ProblemActionForm):
    root_cause = forms.CharField(label=_("Root cause"), max_length=TEXT_MAX, widget=_textarea(3))


class KnownErrorRecordForm(ProblemActionForm):
    title = forms.CharField(
        label=_("Known error title (the problem's if empty)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    workaround = forms.CharField(label=_("Workaround"), max_length=TEXT_MAX, widget=_textarea(3))


class FixForm(ProblemActionForm):
    fix = forms.CharField(label=_("Permanent fix"), max_length=TEXT_MAX, widget=_textarea(3))


class ProblemIncidentForm(ProblemActionForm):
    code = TrackingCodeField(label=_("Incident code"), max_length=40, widget=_code_input())

    def clean_code(self) -> Incident:
        incident = queries.desk_incident(self.user, self.cleaned_data["code"])
        if incident is None:
            raise ValidationError(_("No incident of yours has this code."), code="unknown")
        return incident


#: Each problem action: its form, its button's label, the status it needs to be able to reach.
PROBLEM_ACTIONS: dict[str, tuple[type[ProblemActionForm], Promise, str]] = {
    "root_cause": (RootCauseForm, _("Record the root cause"), ProblemStatus.ROOT_CAUSE_KNOWN),
    "known_error": (KnownErrorRecordForm, _("Record the known error"), ProblemStatus.KNOWN_ERROR),
    "resolve": (FixForm, _("Resolve the problem"), ProblemStatus.RESOLVED),
    "close": (ProblemActionForm, _("Close the problem"), ProblemStatus.CLOSED),
    "link_incident": (ProblemIncidentForm, _("Link the incident"), ""),
}


def problem_forms(
    problem: Problem, user: User, bound: tuple[str, ProblemActionForm] | None = None
) -> dict[str, ProblemActionForm]:
    """A form per action the table allows from the problem's status (none without the right)."""
    if not user.has_perm("itsm.change_problem"):
        return {}
    built: dict[str, ProblemActionForm] = {}
    for name, (form_class, _label, status) in PROBLEM_ACTIONS.items():
        possible = problem.can_move_to(status) if status else problem.status != ProblemStatus.CLOSED
        if possible:
            built[name] = form_class(user=user, prefix=name)
    if bound is not None:
        built[bound[0]] = bound[1]
    return built


class KnownErrorForm(forms.Form):
    """A known error recorded directly (a vendor's bulletin, a workaround found on the desk)."""

    title = forms.CharField(label=_("Title"), max_length=300)
    symptom = forms.CharField(label=_("Symptom"), max_length=TEXT_MAX, widget=_textarea(3))
    workaround = forms.CharField(label=_("Workaround"), max_length=TEXT_MAX, widget=_textarea(3))
    service = ServiceField(
        label=_("Service affected"),
        required=False,
        queryset=Service.objects.none(),
        empty_label=_("— No particular service —"),
    )
    configuration_item = forms.CharField(
        label=_("Configuration item"), max_length=200, required=False
    )
    problem = TrackingCodeField(
        label=_("Problem (code)"), required=False, max_length=40, widget=_code_input()
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["service"].queryset = _services()  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            if name == "service":
                field.widget.attrs["class"] = "form-select"
            elif name != "problem":
                field.widget.attrs["class"] = "form-control"

    def clean_problem(self) -> Problem | None:
        code = self.cleaned_data["problem"]
        if not code:
            return None
        problem = queries.desk_problem(self.user, code)
        if problem is None:
            raise ValidationError(_("No problem of yours has this code."), code="unknown")
        return problem


class KnownErrorSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Symptom, words or code"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "type": "search"}),
    )
    retired = forms.BooleanField(
        label=_("Show retired ones too"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def values(self) -> tuple[str, bool]:
        if not self.is_bound or not self.is_valid():
            return "", False
        return self.cleaned_data["q"].strip(), bool(self.cleaned_data["retired"])
