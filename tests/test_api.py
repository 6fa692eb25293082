"""The API root: OpenAPI document and docs served without any outside request."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import RequestFactory

import khedmat

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_the_version_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/version" in response.json()["paths"]


def test_the_product_is_public_and_its_version_only_for_staff(client, make_user, verified_login):
    assert client.get("/api/v1/version").json() == {"name": "khedmat", "version": ""}
    verified_login(client, make_user("version-reader", roles=["agent"]))
    assert client.get("/api/v1/version").json()["version"] == khedmat.__version__


def test_docs_page_loads_swagger_from_our_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle" in html
    assert re.findall(r"""(?:src|href)=["']https?://""", html) == []


def test_ninjas_own_errors_are_translated(client):
    """401 and 422 produced by django-ninja itself read in the caller's language."""
    english = client.get("/api/v1/requests/")
    persian = client.get("/api/v1/requests/", HTTP_ACCEPT_LANGUAGE="fa")
    shapeless = client.get("/api/v1/catalog/services?limit=many", HTTP_ACCEPT_LANGUAGE="fa")

    assert english.status_code == 401
    assert english.json() == {"detail": "Log in first."}
    assert persian.status_code == 401
    assert persian.json()["detail"] != "Log in first."
    assert re.search("[\u0600-\u06ff]", persian.json()["detail"])
    assert shapeless.status_code == 422
    assert re.search("[\u0600-\u06ff]", shapeless.json()["detail"])
    assert shapeless.json()["errors"]


# --- bodies nested too deeply (security review, issue 20 item 14b) ------------------------------

DEEP = "[" * 100_000  # past Python's recursion limit: json.loads raises RecursionError
TRACK = "/api/v1/requests/track"


def test_a_body_nested_past_the_parser_is_a_translated_400(client):
    english = client.post(TRACK, DEEP, content_type="application/json")
    persian = client.post(TRACK, DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fa")

    assert english.status_code == 400
    assert english.json() == {"detail": "The request is not valid JSON."}
    assert persian.status_code == 400
    assert re.search("[\u0600-\u06ff]", persian.json()["detail"])


def test_a_body_that_parses_but_nests_deeply_is_a_400(client):
    nested = "[" * 500 + "]" * 500
    body = '{"tracking_code": ' + nested + ', "national_code": "0013542419"}'

    response = client.post(TRACK, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "The request is not valid JSON."}


def test_a_filed_request_nested_too_deeply_is_refused_like_bad_json(client, make_user):
    """The submission reads its own body (JSON or the multipart part "payload")."""
    client.force_login(make_user("deep", roles=["applicant"], national_code="0013542419"))

    as_json = client.post("/api/v1/requests/", DEEP, content_type="application/json")
    as_part = client.post("/api/v1/requests/", {"payload": DEEP})

    for response in (as_json, as_part):
        assert response.status_code == 422
        assert response.json()["errors"] == {"__all__": ["The request is not valid JSON."]}


def test_a_catalog_cursor_nested_too_deeply_is_a_400(client):
    cursor = base64.urlsafe_b64encode(DEEP.encode()).decode().rstrip("=")

    response = client.get(f"/api/v1/catalog/services?after={cursor}")

    assert response.status_code == 400


def test_a_delivery_report_nested_too_deeply_is_ignored(client, settings):
    settings.KHEDMAT_SMS_CALLBACK_TOKEN = "callback-secret-0123456789"

    response = client.post(
        "/hooks/sms/kavenegar/?token=callback-secret-0123456789",
        DEEP,
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {"received": 0}


def test_an_unmapped_domain_error_answers_in_the_one_json_shape(rf: RequestFactory) -> None:
    """Every app's domain error derives from core.errors.DomainError, and the API answers one the
    endpoint did not catch as {"detail": …} with its status, in the caller's language (not a 500)."""
    import json as json_module

    from django.utils import translation

    from khedmat.api import domain_error
    from khedmat.catalog.errors import CatalogError
    from khedmat.core.errors import DomainError
    from khedmat.knowledge.errors import FeedbackAlreadyGivenError
    from khedmat.processes.errors import ProcessError
    from khedmat.surveys.errors import SurveyError
    from khedmat.tickets.errors import TransitionError

    for base in (CatalogError, ProcessError, SurveyError, TransitionError):
        assert issubclass(base, DomainError)
    request = rf.get("/api/v1/version")
    with translation.override("en"):
        response = domain_error(request, TransitionError())
        assert response.status_code == 409
        assert json_module.loads(response.content) == {
            "detail": "This request is not in a state that allows this action."
        }
        liked = domain_error(request, FeedbackAlreadyGivenError())
        assert json_module.loads(liked.content) == {
            "detail": "You have already rated this article."
        }
