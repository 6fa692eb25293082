"""Use cases of the shared kernel."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from khedmat.core.models import PERSONAL_DATA_VIEWED, Activity


def record_activity(
    target: models.Model,
    verb: str,
    *,
    actor: Any = None,
    old: Any = None,
    new: Any = None,
    data: dict[str, Any] | None = None,
    public: bool = False,
) -> Activity:
    """Write the Activity row for a change to `target`, in the caller's transaction."""
    if target.pk is None:
        raise ValueError("record_activity needs a saved target")
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    return Activity.objects.create(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        verb=verb,
        actor=actor_user,
        old_value=old,
        new_value=new,
        data=data or {},
        is_public=public,
    )


def record_file_opened(
    target: models.Model, verb: str, attachment: models.Model, *, actor: Any, inline: bool
) -> Activity:
    """The audit row of a file of `target` opened by staff: who, when, which file, inline or not
    (`attachment` has an `original_name`)."""
    name = getattr(attachment, "original_name", "")
    data = {"file": attachment.pk, "name": name, "inline": inline}
    return record_activity(target, verb, actor=actor, data=data)


def record_personal_data_view(target: models.Model, *, actor: Any, reason: str = "") -> Activity:
    """The audit row of a staff member opening a record's personal data (who, when, which
    record, why when asked): verb `<model>.personal_data_viewed`, never public, kept off the
    record's timeline (`ActivityQuerySet.for_target`) and listed on its access log."""
    verb = f"{target._meta.model_name}{PERSONAL_DATA_VIEWED}"
    data = {"reason": reason[:500]} if reason else {}
    return record_activity(target, verb, actor=actor, data=data)
