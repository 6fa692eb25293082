"""Calendars: scopes, unit placements, work weeks and hours, dated overrides, holidays, revision."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from khedmat.calendars.choices import (
    LOCATION_KINDS,
    PARENT_KIND,
    HolidayBasis,
    HolidayKind,
    OverrideMode,
    ScopeKind,
    Weekday,
)
from khedmat.core.translated import translated_text


def localized_name(row: Any) -> str:
    """`name_fa`, `name_ar` or `name_en` for the active language, else the first one filled in."""
    return translated_text(row, "name")


def validate_time_zone(value: str) -> None:
    """Refuse a time zone name the system's tz database does not know."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(zone)s is not a known time zone (for example Asia/Tehran)."),
            params={"zone": value},
            code="unknown_time_zone",
        ) from None


class CalendarScope(models.Model):
    """Where calendar rows apply: a country, province, city, agency, or an org unit and below."""

    kind = models.CharField(_("kind"), max_length=16, choices=ScopeKind.choices)
    code = models.SlugField(
        _("code"),
        max_length=64,
        help_text=_(
            "Country: its ISO code (IR, SA). Org unit: the unit's code. Others: any short code."
        ),
    )
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("within"),
        help_text=_("A province lies within a country, a city within a province."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Empty: the enclosing scope's, else the country pack's, else the site's."),
    )

    class Meta:
        verbose_name = _("calendar scope")
        verbose_name_plural = _("calendar scopes")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"],
                name="calendars_scope_kind_code_unique",
                violation_error_message=_("A scope of this kind with this code already exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return localized_name(self)

    def clean(self) -> None:
        """A province lies in a country and a city in a province; other kinds stand alone."""
        super().clean()
        expected = PARENT_KIND.get(self.kind)
        if expected is None and self.parent_id is not None:
            raise ValidationError(
                {"parent": _("Only provinces and cities lie within a scope.")}, code="no_parent"
            )
        if expected is not None and (self.parent is None or self.parent.kind != expected):
            error = ValidationError(
                _("Choose the scope it lies in: a %(kind)s."),
                params={"kind": ScopeKind(expected).label},
                code="parent_kind",
            )
            raise ValidationError({"parent": [error]})

    def country_code(self) -> str:
        """The code of the country this scope lies in ('' for agencies and org units)."""
        scope: CalendarScope | None = self
        while scope is not None:
            if scope.kind == ScopeKind.NATIONAL:
                return scope.code.upper()
            scope = scope.parent
        return ""


class UnitPlacement(models.Model):
    """Where an org unit sits for its calendar: its location, its agency; units below inherit it."""

    org_unit = models.OneToOneField(
        "accounts.OrgUnit",
        on_delete=models.CASCADE,
        related_name="calendar_placement",
        verbose_name=_("unit"),
    )
    location = models.ForeignKey(
        CalendarScope,
        on_delete=models.PROTECT,
        related_name="placed_units",
        limit_choices_to={"kind__in": sorted(LOCATION_KINDS)},
        verbose_name=_("location"),
        help_text=_("The country, province or city whose holidays and closures apply."),
    )
    agency = models.ForeignKey(
        CalendarScope,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agency_units",
        limit_choices_to={"kind": ScopeKind.AGENCY},
        verbose_name=_("agency calendar"),
    )
    observes_administrative_closures = models.BooleanField(
        _("closes for administrative closures"),
        default=True,
        help_text=_(
            "Clear for units that stay open when offices close for working-hour management "
            "(banks, hospitals)."
        ),
    )

    class Meta:
        verbose_name = _("unit placement")
        verbose_name_plural = _("unit placements")
        ordering = ["org_unit__name"]

    def __str__(self) -> str:
        return f"{self.org_unit} → {self.location}"

    def clean(self) -> None:
        """The location must be a place and the agency an agency scope."""
        super().clean()
        if self.location_id and self.location.kind not in LOCATION_KINDS:
            raise ValidationError({"location": _("Choose a country, province or city.")})
        if self.agency_id and self.agency is not None and self.agency.kind != ScopeKind.AGENCY:
            raise ValidationError({"agency": _("Choose an agency scope.")})


class WorkWeek(models.Model):
    """The working hours of each weekday for a scope, in force over a date range (R-39)."""

    scope = models.ForeignKey(
        CalendarScope, on_delete=models.PROTECT, related_name="work_weeks", verbose_name=_("scope")
    )
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("in force from"))
    valid_until = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("Inclusive; empty: until replaced.")
    )

    class Meta:
        verbose_name = _("work week")
        verbose_name_plural = _("work weeks")
        ordering = ["scope", "-valid_from"]
        indexes = [models.Index(fields=["scope", "valid_from"], name="calendars_week_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="calendars_week_range_valid",
                violation_error_message=_("The end of the range must not be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    """One working interval of a weekday; several rows make breaks, none makes a closed day."""

    work_week = models.ForeignKey(
        WorkWeek, on_delete=models.CASCADE, related_name="hours", verbose_name=_("work week")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("to"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["work_week", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")) | Q(ends_at=dt.time(0)),
                name="calendars_hours_order_valid",
                violation_error_message=_("Working hours must end after they start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class HoursOverride(models.Model):
    """Different hours on the working days of a date range: summer, Ramadan, energy saving."""

    scope = models.ForeignKey(
        CalendarScope, on_delete=models.PROTECT, related_name="overrides", verbose_name=_("scope")
    )
    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    weekdays = models.JSONField(
        _("weekdays"),
        default=list,
        blank=True,
        help_text=_("Empty: every working day in the range."),
    )
    mode = models.CharField(
        _("change"), max_length=16, choices=OverrideMode.choices, default=OverrideMode.LIMIT
    )
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    late_start_minutes = models.PositiveSmallIntegerField(_("late start (minutes)"), default=0)
    early_end_minutes = models.PositiveSmallIntegerField(_("early end (minutes)"), default=0)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("hours override")
        verbose_name_plural = _("hours overrides")
        ordering = ["-start_date", "scope"]
        indexes = [
            models.Index(fields=["scope", "start_date"], name="calendars_override_scope_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="calendars_override_range_valid",
                violation_error_message=_("The last day must not be before the first day."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A window for limit and replace, minutes for shift; weekdays as Python numbers."""
        super().clean()
        if not isinstance(self.weekdays, list) or any(
            not isinstance(day, int) or not 0 <= day <= 6 for day in self.weekdays
        ):
            raise ValidationError({"weekdays": _("Choose weekdays from the list.")})
        self.weekdays = sorted(set(self.weekdays))
        if self.mode == OverrideMode.SHIFT:
            if not (self.late_start_minutes or self.early_end_minutes):
                raise ValidationError(_("Give a late start or an early end in minutes."))
        elif self.opens_at is None or self.closes_at is None:
            raise ValidationError(_("Give the hours: opens at and closes at."))
        elif self.closes_at <= self.opens_at and self.closes_at != dt.time(0):
            raise ValidationError({"closes_at": _("Closing must come after opening.")})


class HolidayQuerySet(models.QuerySet["Holiday"]):
    def in_range(self, first: dt.date, last: dt.date) -> HolidayQuerySet:
        """Rows that close at least one day between `first` and `last` (inclusive)."""
        return self.filter(date__lte=last, end_date__gte=first)


class Holiday(models.Model):
    """A holiday or closure as a row: never computed, least of all for lunar dates (R-38)."""

    date = models.DateField(_("date"))
    end_date = models.DateField(
        _("last day"), blank=True, help_text=_("For a closure of several days; empty: one day.")
    )
    name_fa = models.CharField(_("name (Persian)"), max_length=300)
    name_ar = models.CharField(_("name (Arabic)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=HolidayKind.choices)
    basis = models.CharField(
        _("calendar basis"), max_length=16, choices=HolidayBasis.choices, blank=True
    )
    scope = models.ForeignKey(
        CalendarScope, on_delete=models.PROTECT, related_name="holidays", verbose_name=_("scope")
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    confirmed = models.BooleanField(
        _("confirmed"),
        default=True,
        help_text=_("Unconfirmed days are listed but do not close the calendar unless configured."),
    )
    starts_at = models.TimeField(
        _("closed from"), null=True, blank=True, help_text=_("Empty: from the start of the day.")
    )
    ends_at = models.TimeField(
        _("closed until"), null=True, blank=True, help_text=_("Empty: to the end of the day.")
    )

    objects = HolidayQuerySet.as_manager()

    class Meta:
        verbose_name = _("holiday or closure")
        verbose_name_plural = _("holidays and closures")
        ordering = ["-date", "scope"]
        indexes = [
            models.Index(fields=["date"], name="calendars_holiday_date_idx"),
            models.Index(fields=["scope", "date"], name="calendars_holiday_scope_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("date")),
                name="calendars_holiday_range_valid",
                violation_error_message=_("The last day must not be before the date."),
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="calendars_holiday_window_valid",
                violation_error_message=_("The closure must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"

    def save(self, **kwargs: Any) -> None:
        # A single day unless a last day is given (the invariant the range queries rely on).
        if self.end_date is None:
            self.end_date = self.date
        super().save(**kwargs)

    @property
    def name(self) -> str:
        """The name in the active language."""
        return localized_name(self)

    @property
    def is_all_day(self) -> bool:
        """Whether the whole day is closed (no time window)."""
        return self.starts_at is None and self.ends_at is None

    @property
    def day_count(self) -> int:
        """How many days the row covers."""
        return ((self.end_date or self.date) - self.date).days + 1

    def clean(self) -> None:
        """One day unless a last day is given."""
        if self.end_date is None and self.date is not None:
            self.end_date = self.date
        super().clean()


class CalendarRevision(models.Model):
    """A single row counting calendar changes; compiled calendars are cached per revision."""

    number = models.PositiveBigIntegerField(_("revision"), default=0)
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar revision")
        verbose_name_plural = _("calendar revisions")

    def __str__(self) -> str:
        return str(self.number)
