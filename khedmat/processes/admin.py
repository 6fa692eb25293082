"""Admin for process definitions (with the BPMN designer), instances and work items.

Writes of a definition's document go through `services.update_definition`; the designer page
checks the document with `validation.validate_bpmn` first and saves nothing when it has problems.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khedmat.accounts.models import User
from khedmat.processes import services
from khedmat.processes.choices import DefinitionStatus
from khedmat.processes.errors import DefinitionImmutableError, InvalidDefinitionError
from khedmat.processes.models import ProcessDefinition, ProcessInstance, ServiceCall, WorkItem
from khedmat.processes.validation import Problem, validate_bpmn

#: The document a new draft starts from: one start event, drawn.
EMPTY_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Process_1" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_1">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""

#: The largest .bpmn file the designer accepts (bytes).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
CHANGE_PERMISSION = "processes.change_processdefinition"


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin[ProcessDefinition]):
    list_display = ["key", "version", "name", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["key", "name"]
    readonly_fields = [
        "version",
        "status",
        "published_at",
        "process_id",
        "created_by",
        "created_at",
    ]
    change_form_template = "processes/admin/processdefinition_change_form.html"
    actions = ["publish_drafts"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Through the services: a new draft gets the next version and an Activity row."""
        actor = request.user if isinstance(request.user, User) else None
        if change:
            services.update_definition(obj, actor=actor, bpmn_xml=obj.bpmn_xml, name=obj.name)
            return
        created = services.create_definition(obj.key, obj.bpmn_xml, name=obj.name, actor=actor)
        obj.pk, obj.version, obj.created_by = created.pk, created.version, created.created_by
        obj._state.adding = False

    @admin.action(description=gettext_lazy("Publish the selected drafts"), permissions=["change"])
    def publish_drafts(self, request: HttpRequest, queryset: Any) -> None:
        """Publish each draft, or list what stops it (a published version is left as it is)."""
        actor = request.user if isinstance(request.user, User) else None
        for definition in queryset.filter(status=DefinitionStatus.DRAFT):
            try:
                services.publish_definition(definition, actor=actor)
            except InvalidDefinitionError as error:
                problems = "; ".join(str(problem) for problem in error.problems)
                self.message_user(
                    request,
                    _("%(definition)s was not published: %(problems)s")
                    % {"definition": definition, "problems": problems},
                    level=messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(definition)s is published.") % {"definition": definition},
                    level=messages.SUCCESS,
                )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """A published version is frozen: every field is read-only; a draft keeps its key."""
        if obj is not None and obj.is_published:
            return ["key", "name", "bpmn_xml", *self.readonly_fields]
        if obj is not None:
            return ["key", *self.readonly_fields]
        return self.readonly_fields

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"bpmn_xml": EMPTY_DIAGRAM, **super().get_changeform_initial_data(request)}

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The change form, with the diagram and where open work items of this version wait."""
        current = (
            sorted(
                set(
                    WorkItem.objects.open()
                    .filter(instance__definition_id=int(object_id))
                    .values_list("task_name", flat=True)
                )
            )
            if object_id.isdigit()
            else []
        )
        context = {"current_task_names": current, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_urls(self) -> list[URLPattern]:
        design = path(
            "<path:object_id>/design/",
            self.admin_site.admin_view(self.design_view),
            name="processes_processdefinition_design",
        )
        return [design, *super().get_urls()]

    def design_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The BPMN designer: edit a draft's diagram (or upload a .bpmn); a published one is shown."""
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        definition = self.get_object(request, object_id)
        if definition is None:
            raise Http404
        bpmn_xml = definition.bpmn_xml.strip() or EMPTY_DIAGRAM
        problems: list[Problem] = []
        error = ""
        status = 200
        if request.method == "POST":
            submitted, error = _submitted_xml(request)
            if definition.is_published:
                error, status = str(DefinitionImmutableError.default_message), 409
            elif submitted is None:
                status = 400
            else:
                bpmn_xml = submitted
                problems = validate_bpmn(submitted)
                if not problems:
                    actor = request.user if isinstance(request.user, User) else None
                    try:
                        services.update_definition(definition, actor=actor, bpmn_xml=submitted)
                    except DefinitionImmutableError as refused:
                        error, status = str(refused.message), 409
                    else:
                        messages.success(request, _("The diagram was saved."))
                        url = reverse(
                            "admin:processes_processdefinition_design", args=[definition.pk]
                        )
                        return HttpResponseRedirect(url)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": definition,
            "title": _("Design %(definition)s") % {"definition": definition},
            "bpmn_xml": bpmn_xml,
            "read_only": definition.is_published,
            "problems": problems,
            "problem_ids": sorted(
                {problem.element_id for problem in problems if problem.element_id}
            ),
            "error": error,
            "max_upload_bytes": MAX_UPLOAD_BYTES,
        }
        return TemplateResponse(request, "processes/admin/design.html", context, status=status)


def _submitted_xml(request: HttpRequest) -> tuple[str | None, str]:
    """The document posted by the designer: an uploaded .bpmn file, else the modeler's XML."""
    upload = request.FILES.get("bpmn_file")
    if upload is not None:
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            return None, _("The file is too large.")
        try:
            return upload.read().decode("utf-8-sig"), ""
        except UnicodeDecodeError:
            return None, _("The file is not a UTF-8 BPMN document.")
    text = request.POST.get("bpmn_xml", "")
    if not text.strip():
        return None, _("There is no diagram to save.")
    return text, ""


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(admin.ModelAdmin[ProcessInstance]):
    list_display = ["id", "ticket", "definition", "status", "next_timer_at", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["ticket", "definition"]
    exclude = ["state"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin[WorkItem]):
    list_display = ["title", "ticket", "role", "org_unit", "assignee", "status", "due_at"]
    list_filter = ["status", "role"]
    raw_id_fields = ["instance", "ticket", "assignee", "completed_by"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ServiceCall)
class ServiceCallAdmin(admin.ModelAdmin[ServiceCall]):
    list_display = ["title", "kind", "ticket", "status", "attempts", "created_at", "completed_at"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["instance", "ticket"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
