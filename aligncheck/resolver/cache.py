"""A persistent DNS cache that honours TTLs, shared safely by concurrent runs (SQLite).

A second pre-commit run within the TTLs asks the network nothing. Failures are never cached;
negative answers (NXDOMAIN, no data) live as long as the zone's SOA says.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from aligncheck.cachedir import cache_dir
from aligncheck.resolver.answers import Answer, Question, cacheable_ttl

if TYPE_CHECKING:
    import sqlite3

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS answers ("
    " resolver TEXT NOT NULL, name TEXT NOT NULL, rdtype TEXT NOT NULL,"
    " kind TEXT NOT NULL, records TEXT NOT NULL, expires REAL NOT NULL,"
    " PRIMARY KEY (resolver, name, rdtype))"
)


class DnsCache:
    """Answers per resolver (the nameservers asked), kept until their TTL runs out."""

    def __init__(self, resolver: str, directory: Path | None = None) -> None:
        self.resolver = resolver
        self.path = (directory or cache_dir()) / "dns-cache.sqlite3"
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        import sqlite3

        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(SCHEMA)
            except (OSError, sqlite3.Error):
                return None  # an unusable cache only costs speed
            self._db = db
        return self._db

    def get(self, questions: Iterable[Question]) -> dict[Question, Answer]:
        import sqlite3

        db = self._connect()
        wanted = set(questions)
        if db is None or not wanted:
            return {}
        now = time.time()
        found: dict[Question, Answer] = {}
        try:
            rows = db.execute(
                "SELECT name, rdtype, kind, records, expires FROM answers WHERE resolver = ?"
                " AND expires > ?",
                (self.resolver, now),
            ).fetchall()
        except sqlite3.Error:
            return {}
        for name, rdtype, kind, records, expires in rows:
            if (name, rdtype) in wanted:
                found[(name, rdtype)] = Answer(kind, tuple(json.loads(records)), ttl=expires - now)
        return found

    def put(self, answers: Mapping[Question, Answer]) -> None:
        import sqlite3

        db = self._connect()
        if db is None:
            return
        now = time.time()
        rows = [
            (
                self.resolver,
                name,
                rdtype,
                a.kind,
                json.dumps(list(a.records)),
                now + cacheable_ttl(a.ttl),
            )
            for (name, rdtype), a in answers.items()
            if not a.failed and cacheable_ttl(a.ttl) > 0
        ]
        try:
            with db:
                db.execute("DELETE FROM answers WHERE expires <= ?", (now,))
                db.executemany("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.Error:
            return

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
