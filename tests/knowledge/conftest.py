"""Knowledge fixtures: the request fixtures of the tickets tests (a service, a citizen, submit)."""

from tests.tickets.conftest import (  # noqa: F401  (fixtures)
    category,
    citizen,
    lease_key,
    make_service,
    office,
    outside_requests,
    service,
    submit,
    templates,
    units,
)
