"""Classes of kept data, what is done when their period ends, and how a destruction run began."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataClass(models.TextChoices):
    """A class of records that holds personal data and has a retention rule."""

    REQUESTS = "requests", _("Requests (closed)")
    REQUEST_FILES = "request_files", _("Files of closed requests")
    COMPLAINTS = "complaints", _("Complaints (decided)")
    INCIDENTS = "incidents", _("Incidents (closed)")
    SURVEY_RESPONSES = "survey_responses", _("Survey responses")
    MESSAGES = "messages", _("Outgoing messages (SMS and e-mail)")
    LOGIN_CODES = "login_codes", _("Login codes")
    LOGIN_FAILURES = "login_failures", _("Failed logins")
    RATE_LIMIT_COUNTERS = "rate_limit_counters", _("Rate-limit counters")
    INQUIRY_LOGS = "inquiry_logs", _("Inquiry logs")
    FINISHED_JOBS = "finished_jobs", _("Finished background jobs")


class Action(models.TextChoices):
    """What happens to a record whose period has passed."""

    ANONYMISE = "anonymise", _("Anonymise (erase personal data, keep the record for statistics)")
    DELETE = "delete", _("Delete")


class RunTrigger(models.TextChoices):
    """What started a destruction run."""

    SCHEDULE = "schedule", _("The daily schedule")
    COMMAND = "command", _("The destroy_expired command")


D = DataClass
#: The moment each class's period is counted from ("… days after <moment>").
COUNTED_FROM: dict[str, object] = {
    D.REQUESTS: _("the request closed"),
    D.REQUEST_FILES: _("the request closed"),
    D.COMPLAINTS: _("the complaint was decided"),
    D.INCIDENTS: _("the incident closed"),
    D.SURVEY_RESPONSES: _("the survey was answered"),
    D.MESSAGES: _("the message was written"),
    D.LOGIN_CODES: _("the code was sent"),
    D.LOGIN_FAILURES: _("the failed attempt"),
    D.RATE_LIMIT_COUNTERS: _("the counter's window closed"),
    D.INQUIRY_LOGS: _("the inquiry was made"),
    D.FINISHED_JOBS: _("the job finished"),
}

#: The actions a class allows: a record kept for statistics is anonymised; the rest has no
#: skeleton worth keeping and is deleted.
ALLOWED_ACTIONS: dict[str, frozenset[str]] = {
    D.REQUESTS: frozenset({Action.ANONYMISE}),
    D.REQUEST_FILES: frozenset({Action.DELETE}),
    D.COMPLAINTS: frozenset({Action.ANONYMISE}),
    D.INCIDENTS: frozenset({Action.ANONYMISE}),
    D.SURVEY_RESPONSES: frozenset({Action.ANONYMISE}),
    D.MESSAGES: frozenset({Action.DELETE}),
    D.LOGIN_CODES: frozenset({Action.DELETE}),
    D.LOGIN_FAILURES: frozenset({Action.DELETE}),
    D.RATE_LIMIT_COUNTERS: frozenset({Action.DELETE}),
    D.INQUIRY_LOGS: frozenset({Action.DELETE}),
    D.FINISHED_JOBS: frozenset({Action.DELETE}),
}

#: Classes whose records belong to a service: a rule for one service overrides the class default.
PER_SERVICE: frozenset[str] = frozenset(
    {D.REQUESTS, D.REQUEST_FILES, D.COMPLAINTS, D.INCIDENTS, D.SURVEY_RESPONSES}
)
