"""Exit 0 when the PostgreSQL server in the URL answers (and its database exists, creating it if not)."""

import sys
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg


def main(url: str) -> int:
    parts = urlsplit(url)
    database = parts.path.lstrip("/") or "postgres"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    for _ in range(10):
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=2) as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
                    conn.execute(f'CREATE DATABASE "{database}"')
                return 0
        except psycopg.OperationalError:
            time.sleep(0.5)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
