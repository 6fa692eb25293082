"""The demo catalog: realistic, complete, idempotent, with every form field type."""

from __future__ import annotations

import pytest

from khedmat.catalog.choices import FieldType
from khedmat.catalog.demo import load_demo_catalog
from khedmat.catalog.models import Category, FormField, Service, ServiceVersion

pytestmark = pytest.mark.django_db

R1_CODES = {"17041325104", "13061709000", "10011146000", "13091710103", "10012656000sh13"}


def test_the_demo_catalog_is_complete_and_loads_once(client):
    created = load_demo_catalog()
    assert len(created) == 18
    assert load_demo_catalog() == []
    assert Service.objects.count() == 18
    assert Service.objects.filter(parent__isnull=False).count() == 8
    assert Category.objects.count() == 5
    assert set(Service.objects.values_list("code", flat=True)) >= R1_CODES
    assert Service.objects.published().count() == 18
    used = set(FormField.objects.values_list("field_type", flat=True))
    assert used == set(FieldType.values)
    assert set(ServiceVersion.objects.values_list("electronic_status", flat=True)) == {
        "fully",
        "partially",
        "not",
    }
    revised = Service.objects.get(code="10012656000sh13")
    assert revised.current_version.number == 2
    assert revised.current_version.changed_fields == ["fees"]
    for version in ServiceVersion.objects.all():
        assert version.title_ar and version.title_en, version.service.code
    for service in Service.objects.all():
        assert client.get(f"/services/{service.code}/").status_code == 200
