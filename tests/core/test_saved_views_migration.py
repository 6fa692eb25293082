"""The move of saved incident and problem lists from ITSM to the kernel keeps every view and its
history: run the data step of itsm 0007 on a recreated ITSM table."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.core import audit
from khedmat.core.models import Activity, SavedListView

MOVE = importlib.import_module("khedmat.itsm.migrations.0007_saved_views_in_core")


@pytest.mark.django_db(transaction=True)
def test_saved_views_and_their_activity_are_copied_to_the_kernel() -> None:
    owner = User.objects.create_user(username="keeper", password="x" * 12)
    state = MigrationLoader(connection).project_state(
        [("itsm", "0006_cmdb_links"), ("core", "0004_saved_list_view")]
    )
    old_model = state.apps.get_model("itsm", "SavedListView")
    with connection.schema_editor() as editor:
        editor.create_model(old_model)
    try:
        made = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
        urgent = old_model.objects.create(
            user_id=owner.pk,
            kind="incidents",
            name="Urgent",
            query="priority=urgent",
            created_at=made,
        )
        old_model.objects.create(
            user_id=owner.pk,
            kind="problems",
            name="Mine",
            query="queue=mine",
            created_at=timezone.now(),
        )
        old_type = ContentType.objects.create(app_label="itsm", model="savedlistview")
        Activity.objects.create(
            target_type=old_type, target_id=str(urgent.pk), verb="incident_view.saved"
        )

        with audit.maintenance():  # the rows predate the append-only trigger (core 0006)
            MOVE.copy_views(state.apps, None)

        views = {view.name: view for view in SavedListView.objects.filter(user=owner)}
        assert sorted(views) == ["Mine", "Urgent"]
        assert (views["Urgent"].kind, views["Urgent"].query) == ("incidents", "priority=urgent")
        assert views["Urgent"].created_at == made
        assert views["Mine"].kind == "problems"
        moved = Activity.objects.get(verb="incident_view.saved")
        assert moved.target == views["Urgent"]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(old_model)
