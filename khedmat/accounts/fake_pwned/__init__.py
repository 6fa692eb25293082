"""A fake Pwned Passwords range API for tests and the demo (khedmat.accounts.passwords)."""

from khedmat.accounts.fake_pwned.server import FakePwnedServer

__all__ = ["FakePwnedServer"]
