"""The `khedmat` command: Django's management commands plus demo, serve and worker."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run a management command; configuration and connection errors print one clear line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "khedmat"
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    from khedmat.config import ConfigError

    try:
        execute_from_command_line(argv)
    except ConfigError as error:
        print(f"khedmat: configuration error: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"khedmat: database unreachable: {first_line}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
