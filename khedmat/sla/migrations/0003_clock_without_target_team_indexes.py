# The clocks' target and team keep their foreign keys but lose their own indexes (see SlaClock):
# only the indexes are dropped, since AlterField would also drop, add and validate both keys again.

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {"target_id": "sla_slaclock_target_id_e2bdc3d8", "team_id": "sla_slaclock_team_id_9f45d6f6"}


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_enrolment_link_and_otp_budget'),
        ('sla', '0002_role_permissions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "sla_slaclock" ("{column}")',
                )
                for column, name in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='slaclock',
                    name='target',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='clocks', to='sla.slatarget', verbose_name='target'),
                ),
                migrations.AlterField(
                    model_name='slaclock',
                    name='team',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.team', verbose_name='team'),
                ),
            ],
        ),
    ]
