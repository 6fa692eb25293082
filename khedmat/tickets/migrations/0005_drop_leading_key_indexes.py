# The request's service, applicant, filer and unit keep their foreign keys but lose their own
# indexes: an index of Ticket.Meta.indexes leads with each of them and serves the same look-ups
# (and the key checks of a delete), so every new request writes four index entries fewer. Only
# the indexes are dropped: AlterField would also drop, add and validate the keys again (and
# rebuild the table on SQLite).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "filed_by_id": "tickets_ticket_filed_by_id_b75575db",
    "org_unit_id": "tickets_ticket_org_unit_id_2934ef2a",
    "requester_id": "tickets_ticket_requester_id_2072a2f2",
    "service_id": "tickets_ticket_service_id_b539ed07",
}


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_enrolment_link_and_otp_budget"),
        ("catalog", "0003_service_process"),
        ("tickets", "0004_filed_by_day_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "tickets_ticket" ("{column}")',
                )
                for column, name in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="filed_by",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="filed by"),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="org_unit",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.orgunit", verbose_name="responsible unit"),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="requester",
                    field=models.ForeignKey(db_index=False, help_text="The account that follows the request online.", on_delete=django.db.models.deletion.PROTECT, related_name="tickets", to=settings.AUTH_USER_MODEL, verbose_name="applicant account"),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="service",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="tickets", to="catalog.service", verbose_name="service"),
                ),
            ],
        ),
    ]
