"""ITSM under /api/v1/itsm/: incidents, problems and known errors for staff.

- `GET incidents/?queue=&status=&priority=`: a keyset page of the incidents the caller may see
  (their unit and below, their teams', theirs; administrators all), newest first; pass `next` as
  `after`. A constant number of queries per page. `GET incidents/{code}/`: one, with its timeline.
- `POST incidents/`: log one (channel api); `POST incidents/{code}/<action>/`: start, hold,
  resume, resolve, close, reopen, assign, note, reply, declare-major, updates, link-child, merge.
- `problems/` and `known-errors/` likewise.

Permissions: reads need `itsm.view_<model>`, logging `itsm.add_<model>`, every action
`itsm.change_<model>` (declaring a major incident `itsm.declare_major_incident`): 403 without.
A record the caller may not see answers 404, as an unknown code does. The use cases' refusals are
answered by the API's handler as `{"detail": …}` with their status (403, 409 or 422).

The operations live in `incidents.py` and `problems.py` on the one `router` of `common.py`, their
schemas in `schemas.py`.
"""

from khedmat.itsm.api import incidents, problems
from khedmat.itsm.api.common import router

__all__ = ["incidents", "problems", "router"]
