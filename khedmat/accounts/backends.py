"""The authentication backend: Django's ModelBackend, with the signed-in user's row read by SQL
compiled once per process (core.sql). Every signed-in request reads it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet

from khedmat.accounts.models import User
from khedmat.core.sql import ReusedQuery

USER_FIELDS = [field.attname for field in User._meta.concrete_fields]


def _user_rows(pk: int) -> QuerySet[Any]:
    return User.objects.filter(pk=pk).values_list(*USER_FIELDS).order_by()


_USER = ReusedQuery(_user_rows, "accounts.signed_in_user")


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        rows = _USER.rows(pk)
        if not rows:
            return None
        user = User.from_db("default", USER_FIELDS, rows[0])
        return user if self.user_can_authenticate(user) else None
