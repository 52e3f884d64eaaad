"""Stop at once, with directions, when PostgreSQL or Redis is not reachable."""

import os
import sys

import psycopg
import redis

HOW_TO_START = """
Start them with Docker:   docker compose up -d db redis
or on Debian:
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
"""


def main() -> int:
    problems = []
    database_url = os.environ["DATABASE_URL"]
    try:
        # Connect to the maintenance database: the test database is created by pytest.
        dsn = database_url.rsplit("/", 1)[0] + "/postgres"
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.Error as exc:
        problems.append(f"PostgreSQL is not reachable at {database_url}: {exc}".strip())
    redis_url = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis is not reachable at {redis_url}: {exc}")
    if problems:
        print("\n".join(problems) + "\n" + HOW_TO_START, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
