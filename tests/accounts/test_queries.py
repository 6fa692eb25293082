from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.accounts.queries import can_view_user, teams_for, visible_org_units, visible_teams


def codes(units) -> set[str]:  # type: ignore[no-untyped-def]
    return set(units.values_list("code", flat=True))


@pytest.mark.django_db
class TestVisibleOrgUnits:
    def test_supervisor_sees_unit_and_descendants(self, supervisor: User) -> None:
        assert codes(visible_org_units(supervisor)) == {"directorate", "office"}

    def test_agent_and_operator_see_their_own_unit(self, agent: User, operator: User) -> None:
        assert codes(visible_org_units(agent)) == {"office"}
        assert codes(visible_org_units(operator)) == {"office"}

    def test_admin_role_and_superuser_see_everything(
        self, administrator: User, admin_user: User, org_units: dict
    ) -> None:
        everything = set(OrgUnit.objects.values_list("code", flat=True))
        assert codes(visible_org_units(administrator)) == everything
        assert codes(visible_org_units(admin_user)) == everything

    def test_applicant_and_anonymous_see_nothing(self, applicant: User, org_units: dict) -> None:
        assert codes(visible_org_units(applicant)) == set()
        assert codes(visible_org_units(AnonymousUser())) == set()

    def test_staff_without_unit_sees_nothing(self, make_user) -> None:  # type: ignore[no-untyped-def]
        assert codes(visible_org_units(make_user("floating", roles=["agent"]))) == set()

    def test_inactive_supervisor_sees_nothing(self, supervisor: User) -> None:
        supervisor.is_active = False
        assert codes(visible_org_units(supervisor)) == set()

    def test_deep_tree(self, supervisor: User, org_units: dict) -> None:
        desk = OrgUnit.objects.create(code="desk", name="Desk", parent=org_units["office"])
        OrgUnit.objects.create(code="counter", name="Counter", parent=desk)
        assert codes(visible_org_units(supervisor)) == {"directorate", "office", "desk", "counter"}


@pytest.mark.django_db
class TestTeams:
    def test_teams_for_members_only(self, agent: User, outsider: User, applicant: User) -> None:
        assert list(teams_for(agent).values_list("code", flat=True)) == ["licences"]
        assert list(teams_for(outsider).values_list("code", flat=True)) == ["other-desk"]
        assert list(teams_for(applicant)) == []
        assert list(teams_for(AnonymousUser())) == []

    def test_inactive_team_is_not_listed(self, agent: User) -> None:
        Team.objects.filter(code="licences").update(is_active=False)
        assert list(teams_for(agent)) == []

    def test_visible_teams(
        self, supervisor: User, agent: User, outsider: User, administrator: User
    ) -> None:
        assert codes(visible_teams(supervisor)) == {"licences"}
        assert codes(visible_teams(agent)) == {"licences"}
        assert codes(visible_teams(outsider)) == {"other-desk"}
        assert codes(visible_teams(administrator)) == {"licences", "other-desk"}


@pytest.mark.django_db
class TestCanViewUser:
    @pytest.fixture
    def everyone(  # type: ignore[no-untyped-def]
        self, applicant, operator, agent, supervisor, administrator, outsider
    ) -> dict[str, User]:
        return {
            "applicant": applicant,
            "operator": operator,
            "agent": agent,
            "supervisor": supervisor,
            "administrator": administrator,
            "outsider": outsider,
        }

    @pytest.mark.parametrize(
        ("viewer", "visible"),
        [
            ("applicant", {"applicant"}),
            ("operator", {"operator", "agent", "applicant"}),
            ("agent", {"agent", "operator", "applicant"}),
            ("supervisor", {"supervisor", "agent", "operator", "applicant"}),
            ("outsider", {"outsider", "applicant"}),
            (
                "administrator",
                {"applicant", "operator", "agent", "supervisor", "administrator", "outsider"},
            ),
        ],
    )
    def test_who_sees_whom(self, everyone: dict[str, User], viewer: str, visible: set[str]) -> None:
        seen = {name for name, user in everyone.items() if can_view_user(everyone[viewer], user)}
        assert seen == visible

    def test_team_mates_in_other_units_are_visible(self, agent: User, outsider: User) -> None:
        Team.objects.get(code="licences").members.add(outsider)
        assert can_view_user(agent, outsider)
        assert can_view_user(outsider, agent)

    def test_anonymous_sees_nobody(self, applicant: User) -> None:
        assert not can_view_user(AnonymousUser(), applicant)
