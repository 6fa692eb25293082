"""Fake agency servers for tests and the demo: real HTTP on 127.0.0.1.

FakeAgencyServer speaks the GSB-style inquiry protocol (khedmat.integrations.inquiries.gsb) and
misbehaves by the national code's last four digits: 0000 not found (404), 0500 HTTP 500, 0408
answers after the client's timeout, 0401 a bad-key refusal. Its mobile_ownership inquiry matches
a national code with the lines a test registered for it (`app.register_mobile`), or with any line
when none was registered. FakeOfficeServer speaks the REST
office-automation protocol (khedmat.integrations.office.rest); a subject containing [500],
[timeout] or [reject] makes it fail, and each status poll moves a letter one step:
registered -> in_review -> signed.
"""

from khedmat.integrations.fake_agency.server import (
    FAKE_API_KEY,
    FakeAgencyApp,
    FakeAgencyServer,
    FakeOfficeApp,
    FakeOfficeServer,
)

__all__ = ["FAKE_API_KEY", "FakeAgencyApp", "FakeAgencyServer", "FakeOfficeApp", "FakeOfficeServer"]
