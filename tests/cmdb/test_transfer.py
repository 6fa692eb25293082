"""Import and export of the CMDB: each kind of row error with its row number, refusal to confirm,
all or nothing, round trips through CSV and XLSX, files checked by content, the pages."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from khedmat.accounts.models import Team, User
from khedmat.cmdb import transfer
from khedmat.cmdb.models import CiAttribute, CiRelation, CiType, ConfigurationItem
from khedmat.cmdb.services import create_ci, relate
from khedmat.core.models import Activity

pytest_plugins = ["tests.cmdb.conftest_assets"]
pytestmark = pytest.mark.django_db

HEADER = (
    "code,name,type,status,owner_team,location,description,attr:ip,attr:os,attr:cpu,attr:engine"
)


def csv_bytes(*lines: str) -> bytes:
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def plan_of(items: bytes | None = None, relations: bytes | None = None) -> transfer.ImportPlan:
    sheets: dict[str, transfer.Sheet] = {}
    if items is not None:
        sheets.update(transfer.read_upload(items, sheet=transfer.ITEMS))
    if relations is not None:
        sheets.update(transfer.read_upload(relations, sheet=transfer.RELATIONS))
    return transfer.plan_import(sheets)


def errors_of(plan: transfer.ImportPlan) -> list[tuple[str, int, str]]:
    return [(error.sheet, error.row, error.message) for error in plan.errors]


@pytest.fixture
def estate(infra_team: Team, cmdb_supervisor: User) -> dict[str, ConfigurationItem]:
    server = CiType.objects.get(code="server")
    database = CiType.objects.get(code="database")
    web = create_ci(
        code="web-01",
        name="وب ۱",
        ci_type=server,
        owner_team=infra_team,
        location="Rack 3",
        attributes={"ip": "10.0.0.1", "os": "Debian", "cpu": 8},
        actor=cmdb_supervisor,
    )
    db = create_ci(
        code="db-01",
        name="Database",
        ci_type=database,
        attributes={"engine": "PostgreSQL"},
        actor=cmdb_supervisor,
    )
    relate(db, web, "runs_on", actor=cmdb_supervisor)
    return {"web": web, "db": db}


class TestPlan:
    def test_every_kind_of_row_error_with_its_row_number(self, infra_team: Team) -> None:
        items = csv_bytes(
            HEADER,
            "srv-a,Server A,server,live,infrastructure,,,10.0.0.9,Debian,4,",  # 2 fine
            "srv-b,Server B,printer,live,,,,,,,",  # 3 unknown type
            "srv-c,Server C,server,live,,,,,Debian,,",  # 4 required ip missing
            "srv-d,Server D,server,live,,,,10.0.0.4,,many,",  # 5 bad number
            "srv-e,Server E,server,live,,,,10.0.0.5,Plan9,,",  # 6 bad choice
            "srv-f,Server F,server,live,nobody,,,10.0.0.6,,,",  # 7 unknown team
            "srv-a,Again,server,live,,,,10.0.0.7,,,",  # 8 duplicate code
            "srv-g,Server G,server,sleeping,,,,10.0.0.8,,,",  # 9 unknown status
        )
        relations = csv_bytes(
            "source,kind,target",
            "srv-a,runs_on,ghost",  # 2 unknown CI
            "srv-a,loves,srv-a",  # 3 unknown kind, self
            "srv-a,depends_on,srv-c",  # 4 fine: srv-c is in the file (though its row failed)
        )
        plan = plan_of(items, relations)
        assert errors_of(plan) == [
            ("items", 3, "Unknown CI type “printer”."),
            ("items", 4, "The required attribute “ip” is missing."),
            ("items", 5, "“many” is not a number (attribute “cpu”)."),
            (
                "items",
                6,
                "“Plan9” is not one of the choices of “os”: Debian, Ubuntu, RHEL, Windows Server.",
            ),
            ("items", 7, "Unknown team “nobody”."),
            ("items", 8, "The code “srv-a” appears twice in the file."),
            ("items", 9, "Unknown status “sleeping”."),
            ("relations", 2, "Unknown CI “ghost”."),
            ("relations", 3, "Unknown relation kind “loves”."),
            ("relations", 3, "A CI cannot be related to itself."),
        ]
        assert [change.code for change in plan.items] == ["srv-a"]
        assert not plan.is_valid

    def test_bad_date_and_unknown_reference(self, cmdb_supervisor: User) -> None:
        server = CiType.objects.get(code="server")
        CiAttribute.objects.create(
            ci_type=server, code="bought", name_fa="خرید", kind="date", position=9
        )
        CiAttribute.objects.create(
            ci_type=server,
            code="rack",
            name_fa="رک",
            kind="reference",
            reference_type=server,
            position=10,
        )
        items = csv_bytes(
            "code,name,type,attr:ip,attr:bought,attr:rack",
            "s1,S1,server,10.0.0.1,1403/01/15,",  # jalali date: fine
            "s2,S2,server,10.0.0.2,yesterday,",
            "s3,S3,server,10.0.0.3,,s1",  # reference to a row of the file: fine
            "s4,S4,server,10.0.0.4,,nowhere",
            "s5,S5,server,10.0.0.5,,,",
        )
        plan = plan_of(items)
        assert errors_of(plan) == [
            ("items", 3, "“yesterday” is not a date (attribute “bought”); write 2026-03-21."),
            ("items", 5, "“nowhere” is not a known CI for “rack”."),
        ]
        created = {change.code: change.values["attributes"] for change in plan.items}
        assert created["s1"] == {"ip": "10.0.0.1", "bought": "2024-04-03"}
        assert created["s3"]["rack"] == "s1"

    def test_missing_columns_and_attributes_of_another_type(self) -> None:
        plan = plan_of(csv_bytes("code,type", "a,server"))
        assert errors_of(plan) == [("items", 1, "The column “name” is missing.")]
        plan = plan_of(csv_bytes("code,name,type,attr:engine", "a,A,application,Oracle"))
        assert errors_of(plan) == [
            ("items", 2, "The type “application” has no attribute “engine”.")
        ]

    def test_existing_items_are_updates_and_unchanged_rows_say_so(
        self, estate: dict[str, ConfigurationItem]
    ) -> None:
        items = csv_bytes(
            "code,name,type,location,attr:ip",
            "web-01,وب ۱,server,Rack 3,10.0.0.1",
            "db-01,Database renamed,database,,",
            "WEB-02,Web two,server,,10.0.0.2",
        )
        plan = plan_of(items)
        assert plan.is_valid
        actions = {change.code: (change.action, sorted(change.changes)) for change in plan.items}
        assert actions == {
            "web-01": ("unchanged", []),
            "db-01": ("update", ["name"]),
            "web-02": ("create", []),
        }

    def test_an_import_cannot_change_a_type(self, estate: dict[str, ConfigurationItem]) -> None:
        plan = plan_of(csv_bytes("code,name,type", "db-01,DB,application"))
        assert errors_of(plan) == [
            ("items", 2, "“db-01” is a database: an import cannot change its type.")
        ]


class TestApply:
    def test_refused_while_any_row_has_an_error(self, cmdb_supervisor: User) -> None:
        plan = plan_of(csv_bytes("code,name,type,attr:ip", "ok,OK,server,10.0.0.1", "bad,,server,"))
        with pytest.raises(transfer.ImportHasErrorsError):
            transfer.apply_import(plan, actor=cmdb_supervisor)
        assert not ConfigurationItem.objects.exists()

    def test_writes_items_relations_and_activity(
        self, estate: dict[str, ConfigurationItem], cmdb_supervisor: User
    ) -> None:
        plan = plan_of(
            csv_bytes("code,name,type,attr:ip", "web-02,Web 2,server,10.0.0.2"),
            csv_bytes("source,kind,target", "db-01,runs_on,web-02", "db-01,runs_on,web-01"),
        )
        assert [change.action for change in plan.relations] == ["create", "unchanged"]
        transfer.apply_import(plan, actor=cmdb_supervisor)
        web2 = ConfigurationItem.objects.get(code="web-02")
        assert web2.attributes == {"ip": "10.0.0.2"}
        assert CiRelation.objects.filter(source=estate["db"], target=web2, kind="runs_on").exists()
        verbs = list(Activity.objects.for_target(web2).order_by("id").values_list("verb", "actor"))
        assert verbs == [("ci.created", cmdb_supervisor.pk), ("ci.related", cmdb_supervisor.pk)]

    def test_all_or_nothing_when_a_row_fails_while_writing(
        self, estate: dict[str, ConfigurationItem], cmdb_supervisor: User
    ) -> None:
        plan = plan_of(
            csv_bytes(
                "code,name,type,attr:ip", "new-1,N1,server,10.0.0.1", "new-2,N2,server,1.1.1.1"
            ),
            csv_bytes("source,kind,target", "new-1,depends_on,db-01"),
        )
        assert plan.is_valid
        # Someone adds new-2 between the preview and the confirm: its row fails, nothing stays.
        create_ci(
            code="new-2",
            name="Theirs",
            ci_type=CiType.objects.get(code="application"),
            actor=cmdb_supervisor,
        )
        before = Activity.objects.count()
        with pytest.raises(transfer.ImportConflictError, match="Row 3"):
            transfer.apply_import(plan, actor=cmdb_supervisor)
        assert not ConfigurationItem.objects.filter(code="new-1").exists()
        assert ConfigurationItem.objects.get(code="new-2").name == "Theirs"
        assert CiRelation.objects.count() == 1
        assert Activity.objects.count() == before


class TestFiles:
    def test_csv_round_trip_gives_the_same_items_and_relations(
        self, estate: dict[str, ConfigurationItem], cmdb_supervisor: User
    ) -> None:
        items, relations = transfer.export_csv("items"), transfer.export_csv("relations")
        assert items.startswith("\ufeff".encode())
        assert "وب ۱" in items.decode("utf-8-sig")
        before = snapshot()
        plan = plan_of(items, relations)
        assert plan.is_valid and plan.count("create") == 0 and plan.count("update") == 0
        ConfigurationItem.objects.all().delete()
        transfer.apply_import(plan_of(items, relations), actor=cmdb_supervisor)
        assert snapshot() == before

    def test_xlsx_round_trip_gives_the_same_items_and_relations(
        self, estate: dict[str, ConfigurationItem], cmdb_supervisor: User
    ) -> None:
        workbook = transfer.export_xlsx()
        assert transfer.is_xlsx(workbook)
        before = snapshot()
        ConfigurationItem.objects.all().delete()
        plan = transfer.plan_import(transfer.read_upload(workbook))
        assert plan.count("create") == 3  # two CIs and their relation
        transfer.apply_import(plan, actor=cmdb_supervisor)
        assert snapshot() == before

    def test_a_formula_is_exported_as_text_and_imported_back(self, cmdb_supervisor: User) -> None:
        create_ci(
            code="f",
            name="=1+1",
            ci_type=CiType.objects.get(code="application"),
            actor=cmdb_supervisor,
        )
        exported = transfer.export_csv("items").decode("utf-8-sig")
        assert ",'=1+1," in exported
        plan = transfer.plan_import(transfer.read_upload(transfer.export_xlsx()))
        assert [(change.code, change.action) for change in plan.items] == [("f", "unchanged")]

    def test_a_file_that_is_not_a_workbook_or_utf8_is_refused(self) -> None:
        with pytest.raises(transfer.BadFileError):
            transfer.read_upload(b"PK\x03\x04 not really a zip")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
        with pytest.raises(transfer.BadFileError):
            transfer.read_upload(buffer.getvalue())
        with pytest.raises(transfer.BadFileError):
            transfer.read_upload("code,name\nx,سرور".encode("cp1256"))


def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    items = ConfigurationItem.objects.order_by("code").values_list(
        "code", "name", "ci_type__code", "status", "owner_team__code", "location", "attributes"
    )
    relations = CiRelation.objects.order_by("source__code").values_list(
        "source__code", "kind", "target__code"
    )
    return list(items), list(relations)


# --- pages --------------------------------------------------------------------------------------


def upload(client: Client, content: bytes, name: str, **extra: Any) -> Any:
    data = {"file": SimpleUploadedFile(name, content), "sheet": "items", **extra}
    return client.post(reverse("cmdb:transfer"), data)


class TestPages:
    def test_upload_preview_confirm(
        self, supervisor_client: Client, media: Path, infra_team: Team
    ) -> None:
        items = csv_bytes(
            "code,name,type,owner_team,attr:ip", "web-09,Web 9,server,infrastructure,10.1.1.1"
        )
        relations = csv_bytes("source,kind,target")
        response = upload(
            supervisor_client,
            items,
            "items.csv",
            relations_file=SimpleUploadedFile("relations.csv", relations),
        )
        assert response.status_code == 302
        preview = response["Location"]
        token = preview.rstrip("/").split("/")[-1]
        assert len(list((media / "cmdb-imports").glob(f"{token}-*.upload"))) == 2
        page = supervisor_client.get(preview)
        assert page.status_code == 200
        assert 'data-item="web-09" data-action="create"' in page.content.decode()
        assert not ConfigurationItem.objects.exists()
        done = supervisor_client.post(reverse("cmdb:import_confirm", args=[token]))
        assert done.status_code == 302
        assert ConfigurationItem.objects.get(code="web-09").owner_team == infra_team
        assert not list((media / "cmdb-imports").glob(f"{token}-*"))
        assert supervisor_client.get(preview).status_code == 404

    def test_confirm_refused_with_errors_and_nothing_written(
        self, supervisor_client: Client, media: Path
    ) -> None:
        items = csv_bytes("code,name,type,attr:ip", "ok,OK,server,10.0.0.1", "bad,Bad,server,")
        preview = upload(supervisor_client, items, "items.csv")["Location"]
        page = supervisor_client.get(preview).content.decode()
        assert 'data-row="items:3"' in page and "import-confirm" not in page
        token = preview.rstrip("/").split("/")[-1]
        refused = supervisor_client.post(reverse("cmdb:import_confirm", args=[token]))
        assert refused.status_code == 409
        assert not ConfigurationItem.objects.exists()

    def test_a_renamed_file_is_refused_by_its_content(
        self, supervisor_client: Client, media: Path
    ) -> None:
        response = upload(supervisor_client, b"PK\x03\x04junkjunk", "cmdb.xlsx")
        assert response.status_code == 400
        assert "not a CSV file in UTF-8 or an Excel workbook" in response.content.decode()
        assert not (media / "cmdb-imports").exists() or not list((media / "cmdb-imports").iterdir())

    def test_another_session_cannot_use_the_upload(
        self, supervisor_client: Client, agent_client: Client, media: Path
    ) -> None:
        preview = upload(supervisor_client, csv_bytes("code,name,type", "a,A,service"), "a.csv")
        token = preview["Location"].rstrip("/").split("/")[-1]
        assert agent_client.get(preview["Location"]).status_code == 404
        assert agent_client.post(reverse("cmdb:import_confirm", args=[token])).status_code == 404
        assert not ConfigurationItem.objects.exists()

    def test_a_workbook_through_the_pages(
        self,
        supervisor_client: Client,
        estate: dict[str, ConfigurationItem],
        media: Path,
        django_assert_max_num_queries: Any,
    ) -> None:
        workbook = transfer.export_xlsx()
        ConfigurationItem.objects.all().delete()
        preview = upload(supervisor_client, workbook, "cmdb.xlsx")["Location"]
        with django_assert_max_num_queries(15):
            page = supervisor_client.get(preview)
        assert 'data-count="create">3<' in page.content.decode()
        token = preview.rstrip("/").split("/")[-1]
        assert (
            supervisor_client.post(reverse("cmdb:import_confirm", args=[token])).status_code == 302
        )
        assert sorted(ConfigurationItem.objects.values_list("code", flat=True)) == [
            "db-01",
            "web-01",
        ]
        assert CiRelation.objects.get().kind == "runs_on"

    def test_permissions(self, operator_client: Client, media: Path) -> None:
        assert operator_client.get(reverse("cmdb:transfer")).status_code == 403
        response = upload(operator_client, csv_bytes("code,name,type", "a,A,service"), "a.csv")
        assert response.status_code == 403
        assert not (media / "cmdb-imports").exists()
        export = operator_client.get(reverse("cmdb:export") + "?format=csv&sheet=relations")
        assert export.status_code == 200
        assert export["Content-Type"] == "text/csv; charset=utf-8"

    def test_export_downloads(
        self,
        supervisor_client: Client,
        estate: dict[str, ConfigurationItem],
        django_assert_max_num_queries: Any,
    ) -> None:
        with django_assert_max_num_queries(12):
            response = supervisor_client.get(reverse("cmdb:export") + "?format=xlsx")
        assert re.match(r'attachment; filename="cmdb-\d{8}\.xlsx"', response["Content-Disposition"])
        assert transfer.is_xlsx(response.content)
        items = supervisor_client.get(reverse("cmdb:export") + "?format=csv&sheet=items")
        assert (
            items.content.decode("utf-8-sig")
            .splitlines()[0]
            .startswith("code,name,type,status,owner_team,location,description,attr:ip,attr:os")
        )
