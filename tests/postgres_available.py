"""Exit 0 when the PostgreSQL server at the given URL answers (used by ``make test``)."""

import sys

import sqlalchemy as sa


def main(url: str) -> int:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
