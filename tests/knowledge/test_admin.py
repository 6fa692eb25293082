"""Admin: articles are written through the services (a version per save, the search index)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from khedmat.accounts.models import User
from khedmat.knowledge import queries
from khedmat.knowledge.models import Article

INLINE = {
    "versions-TOTAL_FORMS": "0",
    "versions-INITIAL_FORMS": "0",
    "versions-MIN_NUM_FORMS": "0",
    "versions-MAX_NUM_FORMS": "1000",
}


def test_admin_creates_and_edits_articles_through_the_services(
    administrator: User, client: Client, verified_login: Callable[..., Client]
) -> None:
    administrator.is_superuser = True  # the roles do not grant knowledge permissions yet
    administrator.save(update_fields=["is_superuser"])
    verified_login(client, administrator)
    data = {
        "kind": "faq",
        "audience": "public",
        "status": "published",
        "position": "0",
        "title_fa": "ساعت كاری",
        "body_fa": "شنبه تا چهارشنبه",
        **INLINE,
    }
    response = client.post("/admin/knowledge/article/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.current_version is not None
    assert article.current_version.number == 1
    assert [r.article for r in queries.article_search("کاری", None)] == [article]
    data.update(
        title_fa="ساعت اداری",
        **{
            "versions-INITIAL_FORMS": "1",
            "versions-TOTAL_FORMS": "1",
            "versions-0-id": str(article.current_version.pk),
            "versions-0-article": str(article.pk),
        },
    )
    response = client.post(f"/admin/knowledge/article/{article.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.versions.count() == 2
    assert queries.article_search("کاری", None) == []
    assert client.get("/admin/knowledge/article/").status_code == 200
