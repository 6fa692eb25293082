"""The demo IT estate (idempotent): 30+ CIs of every type with their attributes and relations,
services of the catalog on top, suppliers, contracts, assets and licences (data in demo_data).

Needs the IT teams of the ITSM demo (owner teams) and the demo catalog. Everything goes through the
use cases (an Activity row each). A CI whose code exists is left alone, and so is every relation,
supplier, contract, asset or licence already there.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from khedmat.accounts.models import Team, User
from khedmat.catalog.models import Service
from khedmat.cmdb import assets, services
from khedmat.cmdb import demo_data as data
from khedmat.cmdb.models import (
    Asset,
    CiRelation,
    CiType,
    ConfigurationItem,
    Contract,
    Licence,
    Supplier,
)


@transaction.atomic
def load_demo_cmdb(*, actor: User | None = None, now: dt.datetime | None = None) -> int:
    """Create the estate; returns how many CIs were created (none on a second call)."""
    now = now or timezone.now()
    code, fa, ar, en = data.DEVICE_TYPE
    CiType.objects.get_or_create(
        code=code, defaults={"name_fa": fa, "name_ar": ar, "name_en": en, "position": 90}
    )
    types = {t.code: t for t in CiType.objects.all()}
    teams = {team.code: team for team in Team.objects.all()}
    existing = set(ConfigurationItem.objects.values_list("code", flat=True))
    created = 0
    for item_code, (type_code, name, team, location, attributes) in data.ITEMS.items():
        if item_code in existing:
            continue
        services.create_ci(
            code=item_code,
            name=name,
            ci_type=types[type_code],
            owner_team=teams.get(team),
            location=location,
            attributes=attributes,
            actor=actor,
            now=now,
        )
        created += 1
    created += _service_items(types["service"], actor, now)
    _relations(actor)
    _suppliers_and_contracts(actor, now)
    _supplier_promises(actor)
    _assets_and_licences(actor, now)
    return created


def _service_items(service_type: CiType, actor: User | None, now: dt.datetime) -> int:
    """Each demo service of the catalog becomes a service CI that depends on the portal app."""
    created = 0
    portal = ConfigurationItem.objects.get(code="portal-app")
    catalog = Service.objects.filter(code__in=data.SERVICE_CODES).select_related("current_version")
    for service in catalog:
        code = f"svc-{service.code.lower()}"
        item = ConfigurationItem.objects.filter(code=code).first()
        if item is None:
            title = service.current_version.title if service.current_version else service.code
            item = services.create_ci(
                code=code,
                name=str(title),
                ci_type=service_type,
                service=service,
                actor=actor,
                now=now,
            )
            created += 1
        if not CiRelation.objects.filter(source=item, target=portal).exists():
            services.relate(item, portal, "depends_on", actor=actor)
    return created


def _relations(actor: User | None) -> None:
    items = {item.code: item for item in ConfigurationItem.objects.all()}
    for source, kind, target in data.RELATIONS:
        if not CiRelation.objects.filter(
            source=items[source], target=items[target], kind=kind
        ).exists():
            services.relate(items[source], items[target], kind, actor=actor)


def _suppliers_and_contracts(actor: User | None, now: dt.datetime) -> None:
    today = now.date()
    existing = set(Supplier.objects.values_list("code", flat=True))
    for code, (name, national_id, phone, email, contacts) in data.SUPPLIERS.items():
        if code in existing:
            continue
        assets.add_supplier(
            code=code,
            name=name,
            national_id=national_id,
            phone=phone,
            email=email,
            contacts=[
                {"name": who, "role": role, "phone": tel, "email": mail}
                for who, role, tel, mail in contacts
            ],
            actor=actor,
        )
    suppliers = {supplier.code: supplier for supplier in Supplier.objects.all()}
    items = {item.code: item for item in ConfigurationItem.objects.all()}
    existing = set(Contract.objects.values_list("code", flat=True))
    for code, (title, kind, supplier_code, starts, ends, value, cis) in data.CONTRACTS.items():
        if code in existing:
            continue
        assets.add_contract(
            code=code,
            title=title,
            kind=kind,
            supplier=suppliers[supplier_code],
            starts_on=today + dt.timedelta(days=starts),
            ends_on=today + dt.timedelta(days=ends),
            value=value,
            items=[items[ci] for ci in cis],
            actor=actor,
        )


def _supplier_promises(actor: User | None) -> None:
    """The underpinning contracts' SLA: the supplier answers within 4 working hours (the internet
    contract's "4-hour commitment"), counted on the supplier clock of a referral."""
    from khedmat.sla.choices import DurationUnit, TargetKind
    from khedmat.sla.models import SlaPolicy, SlaTarget

    policy, created = SlaPolicy.objects.get_or_create(
        name="پشتیبانی تأمین‌کنندگان (قرارداد پشتیبان، ۴ ساعت کاری)",
        defaults={"precedence": 900, "record_kind": "supplier"},
    )
    if created:
        SlaTarget.objects.create(
            policy=policy, kind=TargetKind.UNDERPINNING, amount=4, unit=DurationUnit.WORKING_HOURS
        )
    for contract in Contract.objects.filter(kind="underpinning", sla_policy__isnull=True):
        assets.update_contract(contract, sla_policy=policy, actor=actor)


def _assets_and_licences(actor: User | None, now: dt.datetime) -> None:
    today = now.date()
    suppliers = {supplier.code: supplier for supplier in Supplier.objects.all()}
    items = {item.code: item for item in ConfigurationItem.objects.all()}
    users = {user.username: user for user in User.objects.all()}
    existing = set(Asset.objects.values_list("tag", flat=True))
    for tag, spec in data.ASSETS.items():
        name, kind, status, ci, model, serial, supplier, bought, cost, warranty, who, where = spec
        if tag in existing:
            continue
        assets.register_asset(
            tag=tag,
            name=name,
            kind=kind,
            status=status,
            configuration_item=items.get(ci),
            model_name=model,
            serial_number=serial,
            supplier=suppliers.get(supplier),
            purchased_on=today - dt.timedelta(days=bought),
            cost=cost,
            warranty_ends_on=today + dt.timedelta(days=warranty),
            assigned_to=users.get(who),
            location=where,
            actor=actor,
        )
    holdings = {asset.tag: asset for asset in Asset.objects.all()}
    existing = set(Licence.objects.values_list("code", flat=True))
    for code, (product, supplier, seats, expires, cost, holders) in data.LICENCES.items():
        if code in existing:
            continue
        licence = assets.add_licence(
            code=code,
            product=product,
            seats=seats,
            supplier=suppliers.get(supplier),
            expires_on=today + dt.timedelta(days=expires),
            cost=cost,
            actor=actor,
        )
        for holder in holders:
            if holder in holdings or holder in users:
                assets.assign_seat(
                    licence,
                    asset=holdings.get(holder),
                    user=None if holder in holdings else users[holder],
                    today=today,
                    actor=actor,
                )
