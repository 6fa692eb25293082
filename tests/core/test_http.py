"""core.http: the client's address behind proxies, its rate-limit group, and JSON bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.core.http import client_ip, load_json, rate_limit_address

SPOOFED = "6.6.6.6"  # what an attacker writes into X-Forwarded-For themselves
CLIENT = "203.0.113.7"


def request_from(remote: str = "127.0.0.1", forwarded: str | None = None) -> HttpRequest:
    headers: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_proxies_the_header_is_never_read(settings: SettingsWrapper) -> None:
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("198.51.100.4", SPOOFED)) == "198.51.100.4"
    assert client_ip(request_from("198.51.100.4", f"{SPOOFED}, {CLIENT}")) == "198.51.100.4"


def test_behind_one_proxy_the_entry_it_appended_is_the_client(settings: SettingsWrapper) -> None:
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_from(forwarded=CLIENT)) == CLIENT
    # The client sent its own header; nginx appended the real address after it.
    assert client_ip(request_from(forwarded=f"{SPOOFED}, {CLIENT}")) == CLIENT
    assert client_ip(request_from(forwarded=f"{SPOOFED},{SPOOFED}, {CLIENT}")) == CLIENT


def test_behind_two_proxies_the_outer_proxys_entry_is_the_client(
    settings: SettingsWrapper,
) -> None:
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 2
    inner = "10.0.0.2"  # the outer proxy, as appended by the inner one

    assert client_ip(request_from(forwarded=f"{CLIENT}, {inner}")) == CLIENT
    assert client_ip(request_from(forwarded=f"{SPOOFED}, {CLIENT}, {inner}")) == CLIENT


def test_too_few_entries_fall_back_to_the_connection(settings: SettingsWrapper) -> None:
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_from(forwarded=SPOOFED)) == "127.0.0.1"
    assert client_ip(request_from(forwarded="")) == "127.0.0.1"
    assert client_ip(request_from()) == "127.0.0.1"


def test_an_entry_that_is_not_an_address_is_not_used(settings: SettingsWrapper) -> None:
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_from(forwarded=f"{CLIENT}, not-an-address")) == "127.0.0.1"
    assert client_ip(request_from(forwarded=f"{CLIENT}, ' OR 1=1 --")) == "127.0.0.1"
    assert client_ip(request_from(forwarded="2001:DB8::0:1")) == "2001:db8::1"  # canonical
    assert client_ip(request_from(forwarded="::ffff:203.0.113.7")) == CLIENT


def test_the_header_counts_only_from_a_trusted_proxy(settings: SettingsWrapper) -> None:
    """Someone reaching the app past nginx cannot choose their address with the header."""
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 1
    settings.KHEDMAT_TRUSTED_PROXIES = ["10.1.0.0/16"]

    assert client_ip(request_from("10.1.2.3", f"{SPOOFED}, {CLIENT}")) == CLIENT
    assert client_ip(request_from("198.51.100.4", CLIENT)) == "198.51.100.4"


def test_a_bad_connection_address_is_none(settings: SettingsWrapper) -> None:
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("")) is None
    assert client_ip(request_from("garbage")) is None


@pytest.mark.parametrize(
    ("address", "group"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::"),
        ("nonsense", None),
        (None, None),
    ],
)
def test_ipv6_clients_are_grouped_by_their_64(address: str | None, group: str | None) -> None:
    assert rate_limit_address(address) == group


def test_json_nested_past_the_parser_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nests too deeply"):
        load_json("[" * 100_000)
    with pytest.raises(ValueError, match="nests too deeply"):
        load_json(b'{"a": ' * 50_000 + b"1" + b"}" * 50_000)


def test_json_that_parses_is_still_limited_in_depth() -> None:
    deep = "[" * 65 + "]" * 65
    fits = "[" * 64 + "]" * 64

    with pytest.raises(ValueError, match="nests too deeply"):
        load_json(deep)
    assert json.dumps(load_json(fits)) == fits
    assert load_json('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert load_json(b"3") == 3


def test_bad_json_and_bad_utf8_are_value_errors() -> None:
    with pytest.raises(ValueError):
        load_json("{")
    with pytest.raises(ValueError):
        load_json(b"\xff\xfe{")
