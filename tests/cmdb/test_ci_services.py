"""CI use cases: each attribute kind refused with a message naming the attribute, required and
unknown attributes, retiring, and the refusals and Activity rows of relating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from khedmat.accounts.models import User
from khedmat.cmdb import services
from khedmat.cmdb.choices import AttributeKind, CiStatus
from khedmat.cmdb.choices import RelationKind as R
from khedmat.cmdb.errors import CiAttributeError, CmdbError, RelationError
from khedmat.cmdb.models import CiAttribute, CiRelation, CiType, ConfigurationItem
from khedmat.core.errors import DomainError
from khedmat.core.models import Activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def rack_type() -> CiType:
    """A type with one attribute of every kind: a date, a choice, a reference to a storage CI."""
    kind = CiType.objects.create(code="rack", name_fa="قفسه", name_en="Rack")
    storage = CiType.objects.get(code="storage")
    rows = [
        ("label", "Label", AttributeKind.TEXT, True, [], None),
        ("units", "Units", AttributeKind.NUMBER, False, [], None),
        ("installed", "Installed on", AttributeKind.DATE, False, [], None),
        ("room", "Room", AttributeKind.CHOICE, False, ["A", "B"], None),
        ("array", "Storage array", AttributeKind.REFERENCE, False, [], storage),
    ]
    for position, (code, name, attr_kind, required, choices, reference) in enumerate(rows):
        CiAttribute.objects.create(
            ci_type=kind,
            code=code,
            name_fa=name,
            name_en=name,
            kind=attr_kind,
            required=required,
            choices=choices,
            reference_type=reference,
            position=position,
        )
    return kind


def add_rack(actor: User, kind: CiType, code: str = "r1", **attributes: Any) -> ConfigurationItem:
    return services.create_ci(
        code=code, name=code.upper(), ci_type=kind, attributes=attributes, actor=actor
    )


def test_every_kind_is_cleaned_and_stored_as_json(
    ci_agent: User, rack_type: CiType, make_ci: Callable[..., ConfigurationItem]
) -> None:
    make_ci("san-1", "storage")
    item = add_rack(
        ci_agent,
        rack_type,
        label=" R-1 ",
        units="42",
        installed=dt.date(2024, 3, 1),
        room="B",
        array="san-1",
    )
    item.refresh_from_db()
    assert item.attributes == {
        "label": "R-1",
        "units": 42,
        "installed": "2024-03-01",
        "room": "B",
        "array": "san-1",
    }
    assert add_rack(ci_agent, rack_type, "r2", label="x", units="1.5").attributes["units"] == 1.5


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"units": "many"}, "Units must be a number"),
        ({"units": True}, "Units must be a number"),
        ({"installed": "1403/01/01"}, "Installed on must be a date"),
        ({"room": "C"}, "Room must be one of A, B"),
        ({"array": "nowhere"}, "Storage array must be the code of a CI of type"),
        ({"array": "srv-1"}, "Storage array must be the code of a CI of type"),  # wrong type
        ({"colour": "red"}, "has no attribute colour"),
        ({"label": "  "}, "Label is required"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_attribute(
    ci_agent: User,
    rack_type: CiType,
    make_ci: Callable[..., ConfigurationItem],
    values: dict[str, object],
    message: str,
) -> None:
    make_ci("srv-1", "server")
    with pytest.raises(CiAttributeError) as refused:
        add_rack(ci_agent, rack_type, "r1", **{"label": "R", **values})
    assert message in str(refused.value.message)
    assert isinstance(refused.value, CmdbError) and isinstance(refused.value, DomainError)
    assert not ConfigurationItem.objects.filter(ci_type=rack_type).exists()


def test_update_validates_and_retire_is_recorded_once(ci_agent: User, rack_type: CiType) -> None:
    item = add_rack(ci_agent, rack_type, label="R")
    with pytest.raises(CiAttributeError):
        services.update_ci(item, actor=ci_agent, attributes={"label": "R", "room": "Z"})
    with pytest.raises(CiAttributeError):
        services.update_ci(item, actor=ci_agent, colour="red")
    item.refresh_from_db()
    assert item.attributes == {"label": "R"}
    services.retire_ci(item, actor=ci_agent)
    services.retire_ci(item, actor=ci_agent)  # already retired: nothing more
    item.refresh_from_db()
    assert item.status == CiStatus.RETIRED
    verbs = list(Activity.objects.for_target(item).values_list("verb", flat=True))
    assert sorted(verbs) == ["ci.created", "ci.updated"]


def test_relating_refuses_self_duplicates_and_unknown_kinds_and_records_both_sides(
    ci_agent: User, make_ci: Callable[..., ConfigurationItem]
) -> None:
    app, db = make_ci("app", "application"), make_ci("db", "database")
    relation = services.relate(app, db, R.DEPENDS_ON, actor=ci_agent)
    for source, target, kind in ((app, app, R.DEPENDS_ON), (app, db, R.DEPENDS_ON), (app, db, "x")):
        with pytest.raises(RelationError):
            services.relate(source, target, kind, actor=ci_agent)
    # the same pair with another kind, or the other way round, is a different relation
    services.relate(db, app, R.CONNECTED_TO, actor=ci_agent)
    assert CiRelation.objects.count() == 2
    for item in (app, db):
        assert Activity.objects.for_target(item).filter(verb="ci.related").count() == 2
    services.unrelate(relation, actor=ci_agent)
    for item in (app, db):
        assert Activity.objects.for_target(item).filter(verb="ci.unrelated").count() == 1
    assert list(CiRelation.objects.values_list("kind", flat=True)) == [R.CONNECTED_TO]
