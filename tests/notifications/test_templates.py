"""Message templates: validation at save time (render, length, lookup tokens), defaults, rendering."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.notifications import services
from khedmat.notifications.choices import Channel, MessageKind
from khedmat.notifications.errors import TemplateMissingError
from khedmat.notifications.models import MessageTemplate
from khedmat.notifications.rendering import render_text, sample_context

EVENTS = ("request_submitted", "stage_changed", "request_returned", "otp")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Errors are asserted in English (the msgids)."""
    with translation.override("en"):
        yield


def template(**fields: object) -> MessageTemplate:
    values: dict[str, object] = {
        "event": "custom_event",
        "channel": Channel.SMS,
        "language": "fa",
        "body": "کد رهگیری: {{ tracking_code }}",
    }
    values.update(fields)
    return MessageTemplate(**values)


def errors_of(item: MessageTemplate) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    return caught.value.message_dict


@pytest.mark.django_db
class TestValidation:
    def test_a_good_template_passes(self) -> None:
        template().full_clean()

    def test_persian_text_longer_than_kavenegar_accepts_is_refused(self) -> None:
        body = "درخواست {{ service_title }} " + "الف" * 240
        errors = errors_of(template(body=body))
        assert list(errors) == ["body"]
        [message] = errors["body"]
        assert message.startswith("With sample values this text has ")
        assert "at most 268 Persian or Arabic characters" in message

    def test_latin_text_has_the_latin_limit(self) -> None:
        template(language="en", body="x" * 600).full_clean()  # 600 <= 612
        errors = errors_of(template(language="en", body="x" * 613))
        assert "at most 612 Latin characters" in errors["body"][0]

    def test_length_is_measured_with_the_variables_filled_in(self) -> None:
        # 250 characters of text plus a 35-character sample service title: over 268.
        errors = errors_of(template(body="ب" * 250 + "{{ service_title }}"))
        assert "has 285 characters" in errors["body"][0]

    def test_an_unknown_variable_is_refused(self) -> None:
        errors = errors_of(template(body="کد: {{ trackingcode }} و {{ user.password }}"))
        assert errors["body"] == [
            "Unknown variable trackingcode, user.password. Use one of: tracking_code, "
            "service_title, stage, due_date, link, code, name."
        ]

    def test_bad_syntax_is_refused(self) -> None:
        errors = errors_of(template(body="{% if stage %}بدون پایان"))
        assert errors["body"][0].startswith("The text cannot be rendered: ")

    def test_include_is_refused(self) -> None:
        errors = errors_of(template(body='{% include "base.html" %}'))
        assert errors["body"][0].startswith("The text cannot be rendered: ")

    def test_lookup_token_with_a_space_is_refused(self) -> None:
        item = template(provider_template="stage-changed", provider_params={"token": "stage"})
        errors = errors_of(item)
        assert errors["provider_params"] == [
            "Parameter token would hold a space or separator (stage); SMS providers refuse "
            "lookup tokens with spaces. Use a one-word variable."
        ]

    def test_one_word_lookup_tokens_pass(self) -> None:
        template(
            event="login_code",
            body="کد: {{ code }}",
            provider_template="khedmat-otp",
            provider="kavenegar",
            provider_params={"token": "code", "token2": "tracking_code"},
        ).full_clean()

    def test_lookup_token_with_an_unknown_variable_is_refused(self) -> None:
        item = template(provider_template="otp", provider_params={"token": "password"})
        assert errors_of(item)["provider_params"] == [
            "Parameter token uses an unknown variable password."
        ]

    def test_parameters_need_a_template_name(self) -> None:
        errors = errors_of(template(provider_params={"token": "code"}))
        assert errors["provider_template"] == ["Parameters need a provider template name."]

    def test_email_needs_a_subject_that_renders(self) -> None:
        item = template(channel=Channel.EMAIL, subject="")
        assert errors_of(item)["subject"] == ["An email needs a subject."]
        item = template(channel=Channel.EMAIL, subject="{{ nope }}")
        assert errors_of(item)["subject"][0].startswith("Unknown variable nope.")

    def test_email_is_not_limited_to_sms_length(self) -> None:
        template(channel=Channel.EMAIL, subject="{{ tracking_code }}", body="ب" * 2000).full_clean()

    def test_limits_come_from_the_configured_providers(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_SMS = {
            "providers": ["console"],
            "otp_providers": ["console"],
            "config": {},
        }
        template(body="ب" * 268).full_clean()  # the interface's (Kavenegar's) limit
        assert "at most 268" in errors_of(template(body="ب" * 269))["body"][0]

    def test_one_template_per_event_channel_and_language(self) -> None:
        MessageTemplate.objects.create(event="x", channel=Channel.SMS, language="fa", body="a")
        errors = errors_of(template(event="x"))
        assert errors["__all__"] == [
            "This event already has a template for this channel and language."
        ]


@pytest.mark.django_db
class TestDefaults:
    @pytest.mark.parametrize("language", ["fa", "ar", "en"])
    @pytest.mark.parametrize("event", EVENTS)
    def test_every_default_sms_template_is_valid(self, event: str, language: str) -> None:
        item = MessageTemplate.objects.get(event=event, channel=Channel.SMS, language=language)
        item.full_clean()

    @pytest.mark.parametrize("language", ["fa", "ar", "en"])
    @pytest.mark.parametrize("event", ["request_submitted", "stage_changed"])
    def test_default_email_templates_are_valid(self, event: str, language: str) -> None:
        MessageTemplate.objects.get(
            event=event, channel=Channel.EMAIL, language=language
        ).full_clean()

    def test_saving_through_the_service_writes_the_activity(self, administrator: User) -> None:
        item = MessageTemplate.objects.get(event="otp", channel=Channel.SMS, language="en")
        old_body = item.body
        item.body = "Code {{ code }}"
        services.save_message_template(item, actor=administrator)
        activity = Activity.objects.for_target(item).get()
        assert activity.verb == "template.changed"
        assert activity.actor == administrator
        assert activity.old_value == {"subject": "", "body": old_body}
        assert activity.new_value == {"subject": "", "body": "Code {{ code }}"}

    def test_the_service_refuses_an_invalid_template(self, administrator: User) -> None:
        item = MessageTemplate.objects.get(event="otp", channel=Channel.SMS, language="en")
        item.body = "{{ secret }}"
        with pytest.raises(ValidationError):
            services.save_message_template(item, actor=administrator)
        item.refresh_from_db()
        assert item.body != "{{ secret }}"
        assert not Activity.objects.for_target(item).exists()


class TestRendering:
    due = dt.date(2025, 3, 21)  # 1 Farvardin 1404; 21 Ramadan 1446

    def test_persian_due_date_is_jalali_with_persian_digits(self) -> None:
        assert render_text("موعد: {{ due_date }}", {"due_date": self.due}, language="fa") == (
            "موعد: ۱ فروردین ۱۴۰۴"
        )

    def test_arabic_due_date_is_hijri_with_gregorian(self) -> None:
        text = render_text("{{ due_date }}", {"due_date": self.due}, language="ar")
        assert text == "٢١ رمضان ١٤٤٦ هـ (٢١ مارس ٢٠٢٥)"

    def test_english_due_date_is_gregorian(self) -> None:
        assert render_text("Due {{ due_date }}", {"due_date": self.due}, language="en") == (
            "Due 21 March 2025"
        )

    def test_text_is_not_html_escaped(self) -> None:
        text = render_text("{{ service_title }}", {"service_title": "A & B <C>"}, language="en")
        assert text == "A & B <C>"

    def test_unknown_variables_render_empty_at_send_time(self) -> None:
        assert render_text("[{{ missing }}]", {}, language="en") == "[]"

    def test_sample_context_covers_every_language(self) -> None:
        for language in ("fa", "ar", "en"):
            assert set(sample_context(language)) == {
                "tracking_code",
                "service_title",
                "stage",
                "due_date",
                "link",
                "code",
                "name",
            }


@pytest.mark.django_db
class TestNotify:
    def test_renders_the_event_template_in_the_recipients_language(self, applicant: User) -> None:
        applicant.preferred_language = "ar"
        message = services.notify(
            "request_submitted",
            record=applicant,
            recipient=applicant,
            context={"tracking_code": "140312345678", "service_title": "ترخيص", "link": "L"},
        )
        assert message.language == "ar"
        assert message.recipient == "+989121234567"
        assert message.body == "تم تسجيل طلبك «ترخيص».\nرمز المتابعة: 140312345678\nللمتابعة: L"
        assert message.kind == MessageKind.TRANSACTIONAL
        assert message.template is not None
        assert message.event == "request_submitted"

    def test_falls_back_to_persian_then_english(self, applicant: User) -> None:
        MessageTemplate.objects.filter(event="otp", language="ar").delete()
        message = services.notify(
            "otp", record=None, recipient=applicant, language="ar", context={"code": "123456"}
        )
        assert message.language == "fa"
        assert message.body.startswith("کد ورود شما به میز خدمت: 123456")

    def test_missing_template_raises(self, applicant: User) -> None:
        with pytest.raises(TemplateMissingError):
            services.notify("no_such_event", record=None, recipient=applicant)

    def test_provider_template_parameters_are_filled(self, applicant: User) -> None:
        MessageTemplate.objects.filter(event="otp", language="fa").update(
            provider_template="khedmat-otp", provider="kavenegar", provider_params={"token": "code"}
        )
        message = services.notify(
            "otp",
            record=None,
            recipient=applicant,
            language="fa",
            context={"code": "482913"},
            kind=MessageKind.OTP,
        )
        assert message.provider_template == "khedmat-otp"
        assert message.template_provider == "kavenegar"
        assert message.provider_params == {"token": "482913"}

    def test_email_subject_and_address(self, applicant: User) -> None:
        applicant.email = "Zahra@Example.org"
        message = services.notify(
            "stage_changed",
            record=applicant,
            recipient=applicant,
            language="en",
            channel=Channel.EMAIL,
            context={"tracking_code": "140312345678", "stage": "Approved", "service_title": "T"},
        )
        assert message.recipient == "zahra@example.org"
        assert message.subject == "Request 140312345678: Approved"
