"""The operator's database commands: ``mailbot db migrate``, ``db status`` and ``db copy --from URL``."""

from __future__ import annotations

import sys

from bot.config import ConfigError, Settings, check_database_url
from bot.storage.copy import TargetNotEmpty, copy_database
from bot.storage.db import Database, DatabaseUnavailable, open_database, redacted
from bot.storage.migrate import MigrationError, migrate, status


def db_command(command: str, settings: Settings, source: str | None = None) -> int:
    try:
        db = open_database(settings.database)
    except DatabaseUnavailable as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 1
    try:
        if command == "migrate":
            applied = migrate(db)
            done = f"applied {', '.join(m.label for m in applied)}" if applied else "the schema is current"
            print(f"{db.url}: {done}")
            return 0
        if command == "status":
            return _status(db)
        return _copy(db, source or "")
    except (MigrationError, DatabaseUnavailable, TargetNotEmpty) as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()


def _status(db: Database) -> int:
    state = status(db)
    print(f"{db.url} ({db.backend})")
    for version, name in state.applied:
        print(f"  applied  {version:04d}_{name}")
    for migration in state.pending:
        print(f"  pending  {migration.label}")
    for version, name in state.unknown:
        print(f"  newer    {version:04d}_{name} (applied by a newer release)")
    print("the schema is current" if state.current
          else f"{len(state.pending)} migration(s) pending: run `mailbot db migrate`")
    return 0 if state.current else 1


def _copy(target: Database, source_url: str) -> int:
    try:
        check_database_url(source_url)
    except ConfigError:
        print("mailbot: --from must be a database URL: sqlite:///PATH or postgresql://...", file=sys.stderr)
        return 2
    if redacted(source_url) == target.url:
        print("mailbot: --from names the database DATABASE_URL names: nothing to copy", file=sys.stderr)
        return 2
    source = open_database(source_url)
    try:
        copied = copy_database(source, target)
    finally:
        source.close()
    counts = ", ".join(f"{n} {table}" for table, n in copied.items())
    print(f"copied {redacted(source_url)} into {target.url}: {counts}")
    return 0
