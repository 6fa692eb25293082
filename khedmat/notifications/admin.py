"""Admin for the outbox (read-only), the message templates (validated on save) and opt-outs."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from khedmat.core.services import record_activity
from khedmat.notifications import services
from khedmat.notifications.choices import MessageKind
from khedmat.notifications.models import Message, MessageQuerySet, MessageTemplate, OptOut
from khedmat.notifications.rendering import VARIABLES


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox as it is: nobody adds, edits or deletes messages by hand."""

    list_display = (
        "id",
        "channel",
        "kind",
        "event",
        "recipient_display",
        "status",
        "provider",
        "attempts",
        "created_at",
    )
    list_filter = ("status", "channel", "kind", "provider", "language")
    search_fields = ("=recipient", "=idempotency_key", "=provider_message_id", "event")
    date_hierarchy = "created_at"
    list_select_related = ("related_type",)
    show_full_result_count = False
    exclude = ("body", "provider_params", "masked_body", "secret_values")
    readonly_fields = ("body_display",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        """Only the messages the staff member may read (administrators: all)."""
        messages = cast(MessageQuerySet, super().get_queryset(request))
        return messages.visible_to_staff(request.user)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Message | None:
        """A message outside the user's reach answers 404, as on the desk."""
        message = super().get_object(request, object_id, from_field)
        if message is None:
            raise Http404
        return message

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("recipient"), ordering="recipient")
    def recipient_display(self, message: Message) -> str:
        """Numbers and addresses read left to right on right-to-left pages."""
        return format_html('<bdi dir="ltr">{}</bdi>', message.recipient)

    @admin.display(description=_("text"))
    def body_display(self, message: Message) -> str:
        """The text with its secret masked; nothing of a one-time code message."""
        if message.kind == MessageKind.OTP:
            return str(_("One-time code hidden"))
        return message.shown_body


class MessageTemplateForm(forms.ModelForm):
    """The template with the variables listed; the model's clean() checks render and length."""

    class Meta:
        model = MessageTemplate
        fields = (
            "event",
            "channel",
            "language",
            "is_active",
            "subject",
            "body",
            "provider_template",
            "provider",
            "provider_params",
        )
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
            "subject": forms.TextInput(attrs={"dir": "auto", "size": 80}),
            "provider_template": forms.TextInput(attrs={"dir": "ltr"}),
            "provider": forms.TextInput(attrs={"dir": "ltr"}),
            "provider_params": forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
        }


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("event", "channel", "language", "provider_template", "is_active", "updated_at")
    list_filter = ("channel", "language", "is_active", "event")
    search_fields = ("event", "body", "subject", "provider_template")
    readonly_fields = ("variables",)
    fieldsets = (
        (None, {"fields": ("event", "channel", "language", "is_active")}),
        (_("Text"), {"fields": ("subject", "body", "variables")}),
        (
            _("Provider template (SMS)"),
            {"fields": ("provider_template", "provider", "provider_params")},
        ),
    )

    @admin.display(description=_("variables"))
    def variables(self, template: MessageTemplate | None = None) -> str:
        """What each variable holds."""
        rows = ((name, description) for name, description in VARIABLES.items())
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li><code>{{{{ {} }}}}</code>: {}</li>", rows),
        )

    def save_model(
        self, request: HttpRequest, obj: MessageTemplate, form: forms.ModelForm, change: bool
    ) -> None:
        services.save_message_template(obj, actor=request.user)


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("recipient_display", "channel", "reason", "created_at", "created_by")
    list_filter = ("channel",)
    search_fields = ("=recipient", "reason")
    readonly_fields = ("created_at", "created_by")
    list_select_related = ("created_by",)

    @admin.display(description=_("recipient"), ordering="recipient")
    def recipient_display(self, opt_out: OptOut) -> str:
        return format_html('<bdi dir="ltr">{}</bdi>', opt_out.recipient)

    def save_model(
        self, request: HttpRequest, obj: OptOut, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user if request.user.is_authenticated else None
        super().save_model(request, obj, form, change)
        verb = "optout.changed" if change else "optout.created"
        record_activity(obj, verb, actor=request.user, new={"reason": obj.reason})

    def delete_model(self, request: HttpRequest, obj: OptOut) -> None:
        services.opt_in_recipient(obj.recipient, channel=obj.channel, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OptOut]) -> None:
        for opt_out in queryset:
            self.delete_model(request, opt_out)
