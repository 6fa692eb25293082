"""Reading a request safely: the client's address behind proxies, its rate-limit group, JSON bodies."""

from __future__ import annotations

import ipaddress
import json
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

#: An IPv6 client is counted by its /64: one subscriber's network, whose addresses it may rotate.
IPV6_LIMIT_PREFIX = 64
#: Deepest nesting of arrays and objects a JSON body may have; our own payloads need a handful.
MAX_JSON_DEPTH = 64

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def is_trusted_proxy(address: str | None) -> bool:
    """Whether the connection's peer is one of KHEDMAT_TRUSTED_PROXIES (IPs or CIDR ranges)."""
    if not address or not settings.KHEDMAT_TRUSTED_PROXY_COUNT:
        return False
    try:
        peer = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket
    return any(peer in network for network in _networks(tuple(settings.KHEDMAT_TRUSTED_PROXIES)))


def valid_ip(value: str | None) -> str | None:
    """`value` as a canonical IP address (an IPv4-mapped IPv6 address as IPv4), or None."""
    if not value:
        return None
    try:
        ip = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind KHEDMAT_TRUSTED_PROXY_COUNT = N proxies the
    Nth X-Forwarded-For entry from the right.

    Each of our proxies appends the address it got the request from, so the rightmost N entries
    are written by them and the Nth from the right is the client as our outermost proxy saw it.
    Entries further left were sent by the client and are never read. The header is read only
    when the connection comes from one of KHEDMAT_TRUSTED_PROXIES (someone reaching the app past
    the proxy cannot choose their address); with fewer than N entries (a proxy was bypassed or
    does not append), or an entry that is not an address, the connection's own address is used.
    """
    remote = valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = int(settings.KHEDMAT_TRUSTED_PROXY_COUNT)
    if proxies <= 0 or not is_trusted_proxy(remote):
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return valid_ip(forwarded[-proxies]) or remote


def rate_limit_address(address: str | None) -> str | None:
    """The address a per-client limit counts: IPv4 as it is, IPv6 as its /64 network address.

    A home or office gets a whole /64 and may use any address in it, so counting single IPv6
    addresses would let one client rotate past every limit.
    """
    canonical = valid_ip(address)
    if canonical is None:
        return None
    ip = ipaddress.ip_address(canonical)
    if isinstance(ip, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((ip, IPV6_LIMIT_PREFIX), strict=False)
        return str(network.network_address)
    return canonical


def client_limit_address(request: HttpRequest) -> str:
    """The rate-limit group of this request's client ("unknown" when it has no address)."""
    return rate_limit_address(client_ip(request)) or "unknown"


def _too_deep(data: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def load_json(raw: str | bytes | bytearray, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON document from a client; ValueError when it is not JSON or nests too deeply.

    Python's parser recurses per level and raises RecursionError (not ValueError) on a body of
    thousands of brackets; anything that does parse is still refused past `max_depth`, so no later
    step (validation, storage, rendering) recurses through it either.
    """
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nests too deeply") from None
    if isinstance(data, dict | list) and _too_deep(data, max_depth):
        raise ValueError("JSON nests too deeply")
    return data
