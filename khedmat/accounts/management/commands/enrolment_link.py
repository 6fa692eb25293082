"""`khedmat enrolment_link <username>`: an authenticator enrolment link, e.g. for the first
superuser, whom no administrator can issue one to yet."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from khedmat.accounts.errors import EnrolmentNotAllowedError
from khedmat.accounts.models import User
from khedmat.accounts.services import issue_enrolment_link


class Command(BaseCommand):
    help = "Issue a single-use authenticator enrolment link for an active user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--base-url", default="", help="the site's address, e.g. https://desk.example.ir"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        try:
            link, token = issue_enrolment_link(user, actor=None)
        except EnrolmentNotAllowedError:
            raise CommandError(f"{user.username!r} is not an active account.") from None
        path = reverse("accounts:enrolment_link", args=[token])
        self.stdout.write(f"{options['base_url'].rstrip('/')}{path}")
        self.stdout.write(
            f"Works once, until {link.expires_at:%Y-%m-%d %H:%M} UTC "
            f"({settings.KHEDMAT_STAFF_2FA_LINK_HOURS} hours). Open it, then log in as "
            f"{user.username}."
        )
