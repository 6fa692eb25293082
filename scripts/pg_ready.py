"""Check that PostgreSQL answers (exit 1 with one line if not); create or drop a throwaway database."""

from __future__ import annotations

import argparse
import os
import sys

import psycopg
from psycopg import sql


def connect() -> psycopg.Connection:
    return psycopg.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=int(os.environ.get("PGPORT", "5432")),
        user=os.environ.get("PGUSER", "postgres"),
        dbname="postgres",
        connect_timeout=5,
        autocommit=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--create")
    parser.add_argument("--drop")
    args = parser.parse_args()
    try:
        with connect() as connection:
            if args.drop:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(args.drop)
                    )
                )
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier("test_" + args.drop)
                    )
                )
            if args.create:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(args.create)
                    )
                )
                connection.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.create))
                )
    except psycopg.OperationalError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"PostgreSQL unreachable: {first}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
