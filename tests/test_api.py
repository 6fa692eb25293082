"""The API root: OpenAPI document and docs served without any outside request."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_the_version_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/version" in response.json()["paths"]


def test_version_is_public(client):
    assert client.get("/api/v1/version").json()["name"] == "khedmat"


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
