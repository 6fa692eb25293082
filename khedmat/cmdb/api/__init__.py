"""The CMDB under /api/v1/cmdb/ (OpenAPI at /api/v1/openapi.json).

- `items.py`: configuration items (list, read, add, change), their relations (add, remove), the
  impact analysis of a CI.
- `suppliers.py`: suppliers (with contacts) and contracts.
- `assets.py`: assets (register, change, assign, return to stock, dispose of) and licences (add,
  change, give and release seats).
- `referrals.py`: work referred to suppliers, and the supplier report (met and breached).

Each operation checks a `cmdb.<action>_<model>` permission (403 without), reads its records by code
(an asset by tag; 404 for none) and writes only through the use cases (`cmdb.services`,
`cmdb.assets`), whose refusals the API's handler answers as `{"detail": …}` in the caller's
language with their status (409, or 422 for input); a code in the body that names nothing is a 422
naming the field. The operations share the one `router` of `common.py`.
"""

from khedmat.cmdb.api import assets, items, referrals, suppliers
from khedmat.cmdb.api.common import router

__all__ = ["assets", "items", "referrals", "router", "suppliers"]
