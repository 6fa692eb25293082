"""Admin for people, units, teams and failed logins; the admin's own login is replaced."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from khedmat.accounts import services, views
from khedmat.accounts.choices import Role
from khedmat.accounts.models import LoginFailure, OrgUnit, Team, User
from khedmat.accounts.services import notify_security_change
from khedmat.core.identifiers import normalize_mobile, normalize_national_code
from khedmat.core.services import record_activity, record_personal_data_view

# Everyone signs in through accounts:login (password, then the authenticator code).
admin.site.login = views.admin_login  # type: ignore[method-assign]


class RolesField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=Role.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("Roles"),
            help_text=_("Operators, agents, supervisors and administrators are staff."),
            **kwargs,
        )


class UserChangeForm(auth_forms.UserChangeForm):
    roles = RolesField()

    class Meta(auth_forms.UserChangeForm.Meta):  # type: ignore[name-defined]  # stubs lack Meta
        model = User
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "roles" in self.fields:
            self.fields["roles"].initial = sorted(self.instance.roles)


class UserCreationForm(auth_forms.AdminUserCreationForm):
    roles = RolesField()

    class Meta(auth_forms.AdminUserCreationForm.Meta):  # type: ignore[name-defined]  # stubs lack Meta
        model = User
        fields = ("username",)


#: What only a superuser may change on a person: superuser status, single permissions, groups.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions", "groups")


class TeamMembershipInline(admin.TabularInline):
    model = Team.members.through
    extra = 0
    autocomplete_fields = ["team"]
    verbose_name = _("team membership")
    verbose_name_plural = _("teams")


#: The national code and where its check stands (the check is shown, never edited).
NATIONAL_CODE_FIELDS = ("national_code", "national_code_status", "national_code_verified_at")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    inlines = [TeamMembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "email", "mobile", *NATIONAL_CODE_FIELDS)},
        ),
        (_("Place"), {"fields": ("org_unit", "preferred_language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "roles", "is_superuser", "is_staff", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("Personal info"), {"fields": ("first_name", "last_name", "mobile", "national_code")}),
        (_("Place"), {"fields": ("org_unit", "roles")}),
    )
    # The national code check is the mobile-ownership inquiry's answer, never typed in here.
    readonly_fields = ("is_staff", "last_login", "date_joined", *NATIONAL_CODE_FIELDS[1:])
    list_display = (
        "username",
        "full_name",
        "mobile_display",
        "org_unit",
        "role_list",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        ("groups", admin.RelatedOnlyFieldListFilter),
        "org_unit",
        "teams",
    )
    search_fields = ("username", "first_name", "last_name", "email", "mobile", "national_code")
    autocomplete_fields = ["org_unit"]
    list_select_related = ["org_unit"]
    actions = ["reset_second_factor", "issue_enrolment_links"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """An administrator setting someone's password: that person is told (ASVS 2.2.3)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            changed = self.get_object(request, unquote(id))
            if changed is not None:
                notify_security_change(changed, "password")
        return response

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        """A staff member opening someone's account (mobile, national code) is recorded in the
        audit trail, as the desk's record pages are (core.services.record_personal_data_view)."""
        if change and obj is not None and request.method == "GET" and obj.pk != request.user.pk:
            record_personal_data_view(obj, actor=request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Only a superuser grants superuser status or single permissions: the admin role
        hands out roles, and cannot raise itself (or anyone) above them."""
        fields = tuple(super().get_readonly_fields(request, obj))
        if _is_superuser(request):
            return fields
        return (*fields, *SUPERUSER_ONLY_FIELDS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A superuser's account (password, roles, contact) is changed by superusers only."""
        if obj is not None and obj.is_superuser and not _is_superuser(request):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not _is_superuser(request):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("mobile"), ordering="mobile")
    def mobile_display(self, user: User) -> str:
        """E.164 numbers read left to right even on right-to-left pages."""
        return format_html('<bdi dir="ltr">{}</bdi>', user.mobile) if user.mobile else "-"

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()

    @admin.display(description=_("roles"))
    def role_list(self, user: User) -> str:
        names = {group.name for group in user.groups.all()}
        return ", ".join(str(label) for value, label in Role.choices if value in names)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        results, may_duplicate = super().get_search_results(request, queryset, search_term)
        extra = _normalised_identifier_query(search_term.strip())
        if extra is not None:
            results = results | queryset.filter(extra)
        return results, may_duplicate

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            record_activity(obj, "user.created", actor=request.user, new=services.contact_of(obj))
        elif {"mobile", "national_code"} & set(form.changed_data):
            old = {name: form.initial.get(name) for name in ("mobile", "national_code")}
            record_activity(
                obj,
                "user.contact_changed",
                actor=request.user,
                old=old,
                new=services.contact_of(obj),
            )

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if "roles" in form.cleaned_data:
            services.set_roles(form.instance, form.cleaned_data["roles"], actor=request.user)

    @admin.action(description=_("Reset the second factor (the user enrols again)"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        if not _is_superuser(request):
            queryset = queryset.filter(is_superuser=False)
        for user in queryset:
            services.reset_second_factor(user, actor=request.user)
        self.message_user(request, _("Second factor reset."), messages.SUCCESS)

    @admin.action(
        description=_("Issue an authenticator enrolment link (shown once)"),
        permissions=["change"],
    )
    def issue_enrolment_links(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse:
        """A single-use link per chosen active person, shown on this page only (never stored)."""
        if not _is_superuser(request):
            queryset = queryset.filter(is_superuser=False)
        issued = []
        for user in queryset.filter(is_active=True):
            link, token = services.issue_enrolment_link(user, actor=request.user)
            url = request.build_absolute_uri(reverse("accounts:enrolment_link", args=[token]))
            issued.append({"user": user, "url": url, "expires_at": link.expires_at})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Authenticator enrolment links"),
            "opts": self.model._meta,
            "issued": issued,
            "hours": settings.KHEDMAT_STAFF_2FA_LINK_HOURS,
        }
        return TemplateResponse(request, "admin/accounts/user/enrolment_links.html", context)


def _is_superuser(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


def _normalised_identifier_query(term: str) -> Q | None:
    """Also match a mobile typed as 0912… or a national code typed with Persian digits."""
    for field, normalise in (
        ("mobile", normalize_mobile),
        ("national_code", normalize_national_code),
    ):
        try:
            return Q(**{field: normalise(term)})
        except ValidationError:
            continue
    return None


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "org_unit", "member_count", "is_active")
    list_filter = ("is_active", "org_unit")
    search_fields = ("name", "code", "org_unit__name")
    autocomplete_fields = ["org_unit", "members"]
    list_select_related = ["org_unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, team: Team) -> int:
        return getattr(team, "member_total", 0)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ("created_at", "username", "ip_address", "stage")
    list_filter = ("stage",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
