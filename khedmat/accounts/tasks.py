"""Background entry points of the accounts app: each loads by id and calls one service."""

from __future__ import annotations

from django_tasks import task


@task()
def verify_national_code_task(user_id: int, inquiry_id: int) -> str:
    """Check an applicant's national code against their mobile (the mobile-ownership inquiry)."""
    from khedmat.accounts import verification
    from khedmat.accounts.models import User
    from khedmat.integrations.models import InquiryRequest

    user = User.objects.filter(pk=user_id).first()
    inquiry = InquiryRequest.objects.filter(pk=inquiry_id).first()
    if user is None or inquiry is None:
        return "missing"
    return str(verification.finish_national_code_check(user, inquiry).national_code_status)
