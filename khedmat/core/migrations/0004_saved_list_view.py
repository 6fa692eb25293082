# The kernel's saved desk list (issue 13): every desk list (incidents, problems, CIs, changes,
# assets, licences, contracts, suppliers) keeps its named views here; kinds are registered by the apps.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_cache_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SavedListView',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=32, verbose_name='list')),
                ('name', models.CharField(max_length=80, verbose_name='name')),
                ('query', models.CharField(blank=True, max_length=500, verbose_name='filters')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='saved_list_views', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'saved list view',
                'verbose_name_plural': 'saved list views',
                'ordering': ['name', 'id'],
                'constraints': [models.UniqueConstraint(fields=('user', 'kind', 'name'), name='core_saved_view_kind_name_uniq', violation_error_message='You already have a view with this name.')],
            },
        ),
    ]
