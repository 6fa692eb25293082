"""Helpers of the request tests: the application page's form as a browser posts it."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from tests.fixtures.tickets import pdf_file

APPLY = "/services/17041325104/apply/"
OTHER_CODE = "0084575948"  # a valid national code that is not the citizen's


def submission_key(client: Client) -> str:
    html = client.get(APPLY).content.decode()
    match = re.search(r'name="apply-submission_key" value="([0-9a-f-]{36})"', html)
    assert match is not None
    return match.group(1)


def valid_data(client: Client, lease_key: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "apply-submission_key": submission_key(client),
        "shop_name": "نانوایی بربری",
        "opening_date": "1405/01/15",
        lease_key: pdf_file(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def kept_tokens(html: str, name: str) -> list[str]:
    return re.findall(rf'name="kept-{re.escape(name)}" value="([0-9a-f-]{{36}})"', html)
