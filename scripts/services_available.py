"""Exit 0 when PostgreSQL and Redis answer at the given URLs, else print which one does not and exit 1."""

import sys

import psycopg
import redis


def main(database_url: str, redis_url: str) -> int:
    missing = []
    try:
        psycopg.connect(database_url, connect_timeout=3).close()
    except psycopg.Error as error:
        missing.append(f"PostgreSQL at {database_url}: {error}".strip())
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        missing.append(f"Redis at {redis_url}: {error}")
    for line in missing:
        print(f"not reachable: {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
