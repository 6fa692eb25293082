"""The demo catalog: realistic, complete, idempotent, with every form field type."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from khedmat.catalog.choices import FieldType
from khedmat.catalog.demo import FIXTURES, DemoDataError, load_demo_catalog, read_demo_catalog
from khedmat.catalog.models import (
    Category,
    FaqEntry,
    Fee,
    FormField,
    RequiredDocument,
    Service,
    ServiceInquiry,
    ServiceStep,
    ServiceVersion,
    StageChannel,
)
from khedmat.catalog.models.base import validate_sheba

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
    assert revised.current_version is not None
    assert revised.current_version.number == 2
    assert revised.current_version.changed_fields == ["fees"]
    for version in ServiceVersion.objects.all():
        assert version.title_ar and version.title_en, version.service.code
    for service in Service.objects.all():
        assert client.get(f"/services/{service.code}/").status_code == 200


def test_the_demo_rows_are_all_loaded():
    load_demo_catalog()
    assert ServiceVersion.objects.count() == 19
    assert RequiredDocument.objects.count() == 29
    assert ServiceStep.objects.count() == 27
    assert Fee.objects.count() == 21
    assert FaqEntry.objects.count() == 7
    assert ServiceInquiry.objects.count() == 12
    assert FormField.objects.count() == 79
    assert StageChannel.objects.count() == 19 * 4
    assert list(Category.objects.order_by("position").values_list("code", flat=True)) == [
        "business-licences",
        "industry",
        "trade",
        "consumer",
        "certificates",
    ]
    units: dict[str, str] = {}
    for service in Service.objects.select_related("current_version__responsible_unit"):
        assert service.current_version is not None
        assert service.current_version.responsible_unit is not None
        units[service.code] = service.current_version.responsible_unit.code
    consumer = set(Service.objects.filter(category__code="consumer").values_list("code", flat=True))
    assert len(consumer) == 2
    assert {code for code, unit in units.items() if unit == "consumer-protection"} == consumer
    assert {unit for code, unit in units.items() if code not in consumer} == {"licences"}


def test_the_two_version_card_keeps_its_first_fee():
    load_demo_catalog()
    revised = Service.objects.get(code="10012656000sh13")
    first, second = revised.versions.order_by("number")
    assert (first.number, first.change_summary) == (1, "نسخه نخست شناسنامه")
    assert (second.number, second.change_summary) == (2, "تعرفه سال ۱۴۰۵")
    assert [fee.amount for fee in first.fees.all()] == [1_200_000, 300_000]
    assert [fee.amount for fee in second.fees.all()] == [1_650_000, 300_000]
    assert revised.parent is not None and revised.parent.code == "17041325104"
    assert ServiceVersion.objects.exclude(service=revised).filter(number__gt=1).count() == 0


def test_the_sheba_numbers_of_the_fees_are_valid():
    load_demo_catalog()
    accounts = set(Fee.objects.exclude(bank_account="").values_list("bank_account", flat=True))
    assert accounts == {"IR050170000000123456789012", "IR340100000000000012345678"}
    for account in accounts:
        validate_sheba(account)
        assert int(account[4:] + "1827" + account[2:4]) % 97 == 1


def test_each_service_file_is_named_by_its_code():
    data = read_demo_catalog()
    names = [Path(name).name for name, _ in data["services"]]
    assert names == [f"{spec['code']}.json" for _, spec in data["services"]]
    assert [spec["position"] for _, spec in data["services"]] == list(range(18))
    assert {spec["code"] for _, spec in data["services"]} >= R1_CODES


@pytest.fixture
def fixtures(tmp_path):
    """A writable copy of the demo fixture files."""
    root = tmp_path / "demo"
    shutil.copytree(str(FIXTURES), root)
    return root


def _edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_file_without_a_key_is_refused_by_name(fixtures):
    path = fixtures / "services" / "17041325140.json"
    _edit(path, lambda data: data.pop("category"))
    with pytest.raises(DemoDataError, match=r"17041325140\.json: missing keys \['category'\]"):
        read_demo_catalog(fixtures)


def test_a_value_of_the_wrong_type_is_refused_by_name(fixtures):
    _edit(fixtures / "categories.json", lambda data: data[0].update(position="0"))
    with pytest.raises(DemoDataError, match=r"categories\.json: 'position' must be int"):
        read_demo_catalog(fixtures)


def test_a_file_that_is_not_json_is_refused_by_name(fixtures):
    (fixtures / "services" / "10011146000.json").write_text("{", encoding="utf-8")
    with pytest.raises(DemoDataError, match=r"10011146000\.json: cannot read it as JSON"):
        read_demo_catalog(fixtures)


def test_a_file_named_after_another_code_is_refused(fixtures):
    (fixtures / "services" / "17041325140.json").rename(fixtures / "services" / "other.json")
    with pytest.raises(DemoDataError, match=r"other\.json: the file of service 17041325140"):
        read_demo_catalog(fixtures)


def test_a_child_before_its_parent_is_refused(fixtures):
    _edit(fixtures / "services" / "10012656000sh13.json", lambda data: data.update(position=-1))
    with pytest.raises(DemoDataError, match=r"10012656000sh13\.json: parent '17041325104'"):
        read_demo_catalog(fixtures)


def test_a_card_the_catalog_refuses_is_refused_by_name_and_nothing_is_kept(fixtures):
    def negative_fee(data):
        data["versions"][0]["rows"]["fees"][0]["amount"] = -1

    _edit(fixtures / "services" / "17041325140.json", negative_fee)
    with pytest.raises(DemoDataError, match=r"17041325140\.json: .*negative"):
        load_demo_catalog(root=fixtures)
    assert Service.objects.count() == 0
    assert Category.objects.count() == 0
