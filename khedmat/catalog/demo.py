"""Demo catalog: a provincial Organisation of Industry, Mine and Trade (idempotent).

The data lives in `fixtures/demo/`: `org_units.json`, `categories.json` and one file per service
in `services/`, named by its code, with its versions (the first a whole card with its rows, each
later one the changes of a revision). `load_demo_catalog()` creates categories and 18 published
services and sub-services (the five national codes of R-1 among them) with documents, steps,
fees, FAQ, stages, inquiries and forms that use every field type; one card has two versions.
Services that exist are left alone.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from khedmat.accounts.models import OrgUnit
from khedmat.catalog import services
from khedmat.catalog.models import Category, Service

FIXTURES: Traversable = resources.files("khedmat.catalog").joinpath("fixtures", "demo")

# The keys of each object in the files and the JSON types of their values (exact types).
Shape = dict[str, tuple[type, ...]]
TEXT, NUMBER, CODE, OBJECT = (str,), (int,), (str, type(None)), (dict,)
ORG_UNIT: Shape = dict(code=TEXT, name=TEXT, parent=CODE)
CATEGORY: Shape = dict(code=TEXT, position=NUMBER, name_fa=TEXT, name_ar=TEXT, name_en=TEXT)
SERVICE: Shape = dict(code=TEXT, position=NUMBER, category=TEXT, parent=CODE, agency=TEXT)
SERVICE |= dict(responsible_unit=TEXT, versions=(list,))
FIRST_VERSION: Shape = dict(change_summary=TEXT, card=OBJECT, rows=OBJECT)
LATER_VERSION: Shape = dict(change_summary=TEXT, changes=OBJECT)
# Card fields the loader sets from the service's `agency` and `responsible_unit` codes.
UNIT_FIELDS = {"agency", "agency_id", "responsible_unit", "responsible_unit_id"}

Entries = list[tuple[str, dict[str, Any]]]


class DemoDataError(ValueError):
    """A demo fixture file that is not what the loader expects (the message names the file)."""


def read_demo_catalog(root: Traversable | Path = FIXTURES) -> dict[str, Entries]:
    """The org units, categories and services (by position) of the demo files, shape-checked.

    Each comes as a `(file name, object)` pair; a file that is not as expected raises
    `DemoDataError` naming it.
    """
    units = [(f"{root}/org_units.json", row) for row in _list_of(root / "org_units.json")]
    categories = [(f"{root}/categories.json", row) for row in _list_of(root / "categories.json")]
    known: set[str | None] = {None}
    for name, unit in units:
        _check(unit, ORG_UNIT, name)
        if unit["parent"] not in known:
            raise DemoDataError(f"{name}: unit {unit['code']}: parent {unit['parent']!r} unknown")
        known.add(unit["code"])
    for name, category in categories:
        _check(category, CATEGORY, name)
    files = sorted(path.name for path in (root / "services").iterdir() if path.is_file())
    specs = [(f"{root}/services/{file}", _read(root / "services" / file)) for file in files]
    category_codes = {category["code"] for _, category in categories}
    for name, spec in specs:
        _check_service(spec, name, category_codes, known - {None})
    specs.sort(key=lambda entry: entry[1]["position"])
    before: set[str | None] = {None}
    for (_, previous), (name, spec) in pairwise(specs):
        if spec["position"] == previous["position"]:
            raise DemoDataError(f"{name}: position {spec['position']} is taken")
    for name, spec in specs:
        if spec["parent"] not in before:
            raise DemoDataError(f"{name}: parent {spec['parent']!r} is not a service before it")
        before.add(spec["code"])
    return {"org_units": units, "categories": categories, "services": specs}


@transaction.atomic
def load_demo_catalog(*, root: Traversable | Path = FIXTURES) -> list[Service]:
    """Create the demo catalog unless its services exist; returns the services created."""
    data = read_demo_catalog(root)
    units: dict[str, OrgUnit] = {}
    for _, unit in data["org_units"]:
        parent = {"parent": units[unit["parent"]]} if unit["parent"] else {}
        units[unit["code"]], _ = OrgUnit.objects.get_or_create(
            code=unit["code"], defaults={"name": unit["name"], **parent}
        )
    categories = {}
    for _, row in data["categories"]:
        defaults = {key: value for key, value in row.items() if key != "code"}
        categories[row["code"]], _ = Category.objects.get_or_create(
            code=row["code"], defaults=defaults
        )
    created = []
    for name, spec in data["services"]:
        if Service.objects.filter(code=spec["code"]).exists():
            continue
        first, *later = spec["versions"]
        card = {
            **first["card"],
            "agency_id": units[spec["agency"]].pk,
            "responsible_unit_id": units[spec["responsible_unit"]].pk,
        }
        try:
            service = services.create_service(
                spec["code"],
                category=categories[spec["category"]],
                parent=Service.objects.get(code=spec["parent"]) if spec["parent"] else None,
                position=spec["position"],
                card=card,
                rows=first["rows"],
                actor=None,
                change_summary=first["change_summary"],
            )
            for version in later:
                services.revise_service(
                    service,
                    changes=version["changes"],
                    actor=None,
                    change_summary=version["change_summary"],
                )
        except (ValidationError, ValueError, TypeError) as error:
            raise DemoDataError(f"{name}: {error}") from error
        services.publish_service(service, actor=None)
        created.append(service)
    return created


def _read(path: Traversable | Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DemoDataError(f"{path}: cannot read it as JSON: {error}") from error


def _list_of(path: Traversable | Path) -> list[Any]:
    value = _read(path)
    if not isinstance(value, list):
        raise DemoDataError(f"{path}: expected a list, found {type(value).__name__}")
    return value


def _check(value: Any, shape: Shape, where: str) -> None:
    """`value` is an object with exactly the keys of `shape`, each of one of its types."""
    if not isinstance(value, dict):
        raise DemoDataError(f"{where}: expected an object, found {type(value).__name__}")
    if set(value) != set(shape):
        missing, unknown = sorted(set(shape) - set(value)), sorted(set(value) - set(shape))
        raise DemoDataError(f"{where}: missing keys {missing}, unknown keys {unknown}")
    for key, types in shape.items():
        if type(value[key]) not in types:
            names = " or ".join(kind.__name__ for kind in types)
            raise DemoDataError(f"{where}: {key!r} must be {names}, not {value[key]!r}")


def _check_service(spec: Any, name: str, categories: set[str], units: set[str | None]) -> None:
    _check(spec, SERVICE, name)
    if Path(name).name != f"{spec['code']}.json":
        raise DemoDataError(f"{name}: the file of service {spec['code']} is {spec['code']}.json")
    if spec["category"] not in categories:
        raise DemoDataError(f"{name}: unknown category {spec['category']!r}")
    for key in ("agency", "responsible_unit"):
        if spec[key] not in units:
            raise DemoDataError(f"{name}: {key} {spec[key]!r} is not in org_units.json")
    if not spec["versions"]:
        raise DemoDataError(f"{name}: a service needs at least one version")
    for number, version in enumerate(spec["versions"], start=1):
        _check(version, LATER_VERSION if number > 1 else FIRST_VERSION, f"{name}: version {number}")
    card, rows = spec["versions"][0]["card"], spec["versions"][0]["rows"]
    unknown = set(card) - (set(services.CARD_FIELDS) - UNIT_FIELDS)
    unknown |= set(rows) - set(services.ROW_MODELS)
    if unknown:
        raise DemoDataError(f"{name}: version 1: not card fields or rows {sorted(unknown)}")
    for key, value in rows.items():
        if type(value) is not list or not all(type(row) is dict for row in value):
            raise DemoDataError(f"{name}: version 1: {key!r} must be a list of objects")
