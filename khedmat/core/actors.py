"""Who does a change: the one `Actor` type of every use case (`verb_noun(obj, *, actor=...)`)."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

#: A signed-in person, an anonymous visitor, or None for the system (a job, the tick, the demo).
Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None
