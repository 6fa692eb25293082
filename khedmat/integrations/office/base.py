"""The interface an office-automation adapter implements, and what it returns for a new letter."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass

from khedmat.integrations.choices import LetterStatus


@dataclass(frozen=True)
class LetterReceipt:
    """The office automation's number and date for a letter it registered, and its first status."""

    number: str
    date: dt.date
    status: LetterStatus = LetterStatus.REGISTERED


class OfficeAutomationProvider(ABC):
    """One agency's office automation; raises OfficeAutomationUnavailable/Rejected."""

    name: str = ""

    @abstractmethod
    def create_letter(self, subject: str, body: str, *, reference: str) -> LetterReceipt:
        """Register a letter; `reference` is ours, unique per letter: registering a reference the
        office automation knows already answers that letter, so a retried call registers none."""

    @abstractmethod
    def letter_status(self, number: str) -> LetterStatus:
        """Where the letter stands in the routing now."""
