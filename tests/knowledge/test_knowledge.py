"""Knowledge base: versions, audience, feedback once, suggestions, FAQ of a service, desk pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from khedmat.accounts.models import OrgUnit, User
from khedmat.catalog.models import Service
from khedmat.core.models import Activity
from khedmat.knowledge import queries, services
from khedmat.knowledge.choices import ArticleKind, ArticleStatus, Audience
from khedmat.knowledge.errors import FeedbackAlreadyGivenError
from khedmat.knowledge.models import Article, ArticleFeedback, ArticleTicketLink
from tests.fixtures.tickets import Submit


@pytest.fixture
def desk_agent(make_user: Callable[..., User], office: OrgUnit) -> User:
    return make_user("desk-agent", roles=["agent"], org_unit=office, first_name="Sara")


@pytest.fixture
def public_article(db: None) -> Article:
    return services.create_article(
        actor=None,
        title_fa="مدارك لازم برای پروانه كسب",
        body_fa="اجاره‌نامه و کارت ملی",
        title_en="Documents for a business licence",
        publish=True,
    )


@pytest.fixture
def staff_article(db: None) -> Article:
    return services.create_article(
        actor=None,
        title_fa="راهنمای کارشناس برای پروانه کسب",
        body_fa="بررسی استعلام",
        audience=Audience.STAFF,
        publish=True,
    )


@pytest.fixture
def draft_article(db: None) -> Article:
    return services.create_article(actor=None, title_fa="پیش‌نویس پروانه کسب")


def _titles(results: list[queries.ArticleResult]) -> list[str]:
    return [result.article.current_version.title_fa for result in results]  # type: ignore[union-attr]


def test_edits_make_versions_and_keep_the_old_text(public_article: Article, agent: User) -> None:
    services.edit_article(public_article, actor=agent, body_fa="متن تازه")
    services.edit_article(public_article, actor=agent, title_fa="عنوان تازه")
    public_article.refresh_from_db()
    versions = list(public_article.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].body_fa == "اجاره‌نامه و کارت ملی"
    assert (versions[2].title_fa, versions[2].body_fa) == ("عنوان تازه", "متن تازه")
    assert versions[2].edited_by == agent
    assert public_article.current_version == versions[2]
    verbs = list(
        Activity.objects.for_target(public_article).order_by("id").values_list("verb", flat=True)
    )
    assert verbs == ["article.created", "article.edited", "article.edited"]
    assert _titles(queries.article_search("عنوان", None)) == ["عنوان تازه"]
    assert queries.article_search("مدارک", None) == []


def test_staff_articles_and_drafts_are_never_public(
    public_article: Article, staff_article: Article, draft_article: Article, agent: User
) -> None:
    assert _titles(queries.article_search("پروانه كسب", None)) == ["مدارك لازم برای پروانه كسب"]
    staff_titles = set(_titles(queries.article_search("پروانه کسب", agent)))
    assert staff_titles == {"مدارك لازم برای پروانه كسب", "راهنمای کارشناس برای پروانه کسب"}
    assert [a.pk for a in queries.article_list(None)] == [public_article.pk]
    assert queries.suggest_articles("راهنمای کارشناس") == []


def test_portal_pages_hide_staff_articles(
    public_article: Article, staff_article: Article, client: Client
) -> None:
    listing = client.get("/knowledge/", {"q": "پروانه"}).content.decode()
    assert "<mark>پروانه</mark>" in listing
    assert "راهنمای کارشناس" not in listing
    assert client.get(f"/knowledge/{staff_article.pk}/").status_code == 404
    page = client.get(f"/knowledge/{public_article.pk}/")
    assert page.status_code == 200
    assert "Was this helpful?" in page.content.decode()


def test_unpublishing_removes_an_article_from_search(public_article: Article) -> None:
    services.change_article_status(public_article, ArticleStatus.DRAFT, actor=None)
    assert queries.article_search("مدارک", None) == []


def test_feedback_once_per_user_and_per_session(public_article: Article, citizen: User) -> None:
    services.rate_article(public_article, helpful=True, actor=citizen)
    with pytest.raises(FeedbackAlreadyGivenError):
        services.rate_article(public_article, helpful=False, actor=citizen)
    services.rate_article(public_article, helpful=False, session_key="s1", comment=" کم بود ")
    with pytest.raises(FeedbackAlreadyGivenError):
        services.rate_article(public_article, helpful=True, session_key="s1")
    rows = list(ArticleFeedback.objects.order_by("id").values_list("helpful", "comment"))
    assert rows == [(True, ""), (False, "کم بود")]


def test_feedback_endpoint_counts_a_visitor_once(public_article: Article, client: Client) -> None:
    url = f"/knowledge/{public_article.pk}/feedback/"
    first = client.post(url, {"helpful": "yes"}, headers={"hx-request": "true"})
    assert "Thank you for your feedback." in first.content.decode()
    second = client.post(url, {"helpful": "no"}, headers={"hx-request": "true"})
    assert "You have already rated this article." in second.content.decode()
    assert list(ArticleFeedback.objects.values_list("helpful", flat=True)) == [True]


def test_suggestions_endpoint_returns_at_most_five_public_articles(
    public_article: Article, staff_article: Article, client: Client
) -> None:
    for number in range(6):
        services.create_article(actor=None, title_fa=f"پروانه نمونه {number}", publish=True)
    response = client.get("/knowledge/suggest/", {"q": "پروانة"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("list-group-item-action") == 5
    assert "راهنمای کارشناس" not in body
    assert client.get("/knowledge/suggest/", {"q": ""}).content.decode().strip() == ""
    by_title = client.get("/knowledge/suggest/", {"title": "مدارك"}).content.decode()
    assert by_title.count("list-group-item-action") == 1
    by_subject = client.get("/knowledge/suggest/", {"subject": "مدارك"}).content.decode()
    assert by_subject == by_title  # a complaint's subject as it is typed


def test_the_catalog_search_and_the_complaint_subject_ask_for_suggestions_as_one_types(
    client: Client, citizen: User
) -> None:
    catalog = client.get("/services/").content.decode()
    assert 'hx-get="/knowledge/suggest/"' in catalog and 'id="catalog-suggestions"' in catalog
    client.force_login(citizen)
    complaint = client.get("/complaints/new/").content.decode()
    assert 'hx-target="#subject-suggestions"' in complaint
    assert 'id="subject-suggestions"' in complaint


def test_faq_of_a_service(service: Service) -> None:
    faq = services.create_article(
        actor=None, title_fa="پرسش", kind=ArticleKind.FAQ, services=[service], publish=True
    )
    services.create_article(
        actor=None,
        title_fa="پرسش کارکنان",
        kind=ArticleKind.FAQ,
        services=[service],
        audience=Audience.STAFF,
        publish=True,
    )
    services.create_article(actor=None, title_fa="مقاله", services=[service], publish=True)
    assert queries.faq_for_service(service) == [faq]


def test_desk_pages_show_staff_articles_and_articles_for_a_request(
    public_article: Article,
    staff_article: Article,
    submit: Submit,
    desk_agent: User,
    client: Client,
    verified_login: Callable[..., Client],
) -> None:
    ticket = submit()
    services.link_article_to_ticket(staff_article, ticket, actor=desk_agent)
    services.link_article_to_ticket(staff_article, ticket, actor=desk_agent)
    assert ArticleTicketLink.objects.get().linked_by == desk_agent
    verified_login(client, desk_agent)
    listing = client.get("/desk/knowledge/", {"q": "پروانه"}).content.decode()
    assert "راهنمای کارشناس" in listing
    assert client.get(f"/desk/knowledge/{staff_article.pk}/").status_code == 200
    partial = client.get(f"/desk/knowledge/for-request/{ticket.pk}/").content.decode()
    assert "راهنمای کارشناس" in partial  # linked to the request
    assert "Documents for a business licence" in partial  # matches the service's title (پروانه کسب)


def test_desk_pages_are_not_for_applicants(
    staff_article: Article, citizen: User, client: Client
) -> None:
    client.force_login(citizen)
    assert client.get(f"/desk/knowledge/{staff_article.pk}/").status_code == 404


def test_the_service_card_shows_its_public_faq_and_the_request_page_loads_its_articles(
    service: Service,
    submit: Submit,
    desk_agent: User,
    client: Client,
    verified_login: Callable[..., Client],
) -> None:
    services.create_article(
        actor=None,
        title_fa="چه مدارکی لازم است؟",
        body_fa="اجاره‌نامه و کارت ملی.",
        kind=ArticleKind.FAQ,
        services=[service],
        publish=True,
    )
    services.create_article(
        actor=None,
        title_fa="نکته‌ی داخلی",
        kind=ArticleKind.FAQ,
        services=[service],
        audience=Audience.STAFF,
        publish=True,
    )

    card = client.get(f"/services/{service.code}/").content.decode()

    assert 'data-testid="service-faq"' in card and "چه مدارکی لازم است؟" in card
    assert "نکته‌ی داخلی" not in card
    ticket = submit()
    verified_login(client, desk_agent)
    page = client.get(f"/desk/requests/{ticket.tracking_code}/").content.decode()
    assert f'hx-get="/desk/knowledge/for-request/{ticket.pk}/"' in page


def test_the_roles_hold_the_knowledge_permissions(db: None) -> None:
    from django.contrib.auth.models import Group

    def codenames(role: str) -> set[str]:
        return set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="knowledge")
            .values_list("codename", flat=True)
        )

    assert "view_article" in codenames("agent") and "change_article" not in codenames("agent")
    assert {"add_article", "change_article"} <= codenames("supervisor")
    assert {"add_article", "change_article"} <= codenames("admin")


def test_an_agent_links_an_article_to_the_request_from_its_page(
    public_article: Article,
    submit: Submit,
    desk_agent: User,
    citizen: User,
    client: Client,
    verified_login: Callable[..., Client],
) -> None:
    ticket = submit()
    url = f"/desk/knowledge/{public_article.pk}/link/{ticket.pk}/"
    client.force_login(citizen)
    assert client.post(url).status_code == 404  # not staff
    verified_login(client, desk_agent)
    before = client.get(f"/desk/knowledge/for-request/{ticket.pk}/").content.decode()
    assert f'data-link-article="{public_article.pk}"' in before

    after = client.post(url).content.decode()

    link = ArticleTicketLink.objects.get(article=public_article, ticket=ticket)
    assert link.linked_by == desk_agent
    assert f'data-linked="{public_article.pk}"' in after
    assert f'data-link-article="{public_article.pk}"' not in after
    assert client.post(url).status_code == 200  # a second click links once
    assert ArticleTicketLink.objects.count() == 1
