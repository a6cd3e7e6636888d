"""The workbench's storage: one SQLite file (schema by numbered migrations, `PRAGMA user_version`) and a
content-addressed folder of workbooks (`blobs/ab/abcdef…`, named by SHA-256, never by anything a user typed).

Every function opens what it needs from a `Store` and closes it; connections are per call (SQLite in WAL mode,
so the server's threads and the worker processes read and write side by side).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

ROLES = ("viewer", "editor")
NAME_PATTERN = re.compile(r"^[\w.@-]{1,40}$")  # an account name: letters (any script), digits, . _ @ -
LOCAL_USER = "local"  # the one user of a loopback workbench without accounts
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # hashlib.scrypt's cost (about 16 MB and 50 ms a password)
_SHA = re.compile(r"^[0-9a-f]{64}$")


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def local_time(stamp: str | None) -> str:
    """A stored time (ISO 8601, UTC, as `now` writes it) as the clock of the workbench's machine reads it, to the
    minute: "2026-12-08 01:25" (the bureau's staff read Beijing time, not UTC)."""
    if not stamp:
        return ""
    try:
        return dt.datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def default_data_dir() -> Path:
    """Where the workbench keeps its database and workbooks unless told: $XDG_DATA_HOME/quota-opt, else
    ~/.local/share/quota-opt."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "quota-opt"


def migrations() -> list[tuple[int, str]]:
    """The numbered migrations shipped in web/migrations (0001_….sql), in order."""
    found = []
    for entry in resources.files("quota_opt.web").joinpath("migrations").iterdir():
        match = re.match(r"^(\d{4})_.*\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


@dataclass(frozen=True)
class Store:
    """The data folder: `workbench.sqlite3` and `blobs/`."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "workbench.sqlite3"

    @classmethod
    def open(cls, root: str | Path) -> Store:
        """The store at `root`, created and migrated to the latest schema if needed."""
        store = cls(Path(root))
        (store.root / "blobs").mkdir(parents=True, exist_ok=True)
        with store.db() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, sql in migrations():
                if number > version:
                    db.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        return store

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """A connection (rows as sqlite3.Row), committed when the block ends without an exception."""
        db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 30000")
        try:
            yield db
        finally:
            db.close()

    # ---- workbooks by hash ----

    def _blob_path(self, sha: str) -> Path:
        if not _SHA.match(sha):
            raise ValueError("not a SHA-256")
        return self.root / "blobs" / sha[:2] / sha

    def put(self, data: bytes) -> str:
        """Keep `data` under its SHA-256 (once: the same bytes are stored once). Returns the hash."""
        sha = hashlib.sha256(data).hexdigest()
        path = self._blob_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{sha}.{secrets.token_hex(4)}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return sha

    def get(self, sha: str) -> bytes:
        return self._blob_path(sha).read_bytes()


# ---- accounts ----


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    found = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(found.hex(), digest)


def add_user(store: Store, name: str, role: str, password: str) -> None:
    """Create an account, or set the role and password of an existing one. Raises ValueError for a bad name,
    role or an empty password."""
    if not NAME_PATTERN.match(name) or name == LOCAL_USER:
        raise ValueError("name")
    if role not in ROLES:
        raise ValueError("role")
    if not password:
        raise ValueError("password")
    with store.db() as db:
        db.execute("INSERT INTO users (name, role, password, created_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (name) DO UPDATE SET role = excluded.role, password = excluded.password",
                   (name, role, hash_password(password), now()))


def has_users(store: Store) -> bool:
    with store.db() as db:
        return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def user_role(store: Store, name: str) -> str | None:
    with store.db() as db:
        row = db.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row["role"])


def login(store: Store, name: str, password: str) -> bool:
    with store.db() as db:
        row = db.execute("SELECT password FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        check_password(password, hash_password("timing"))  # the same work whether or not the name exists
        return False
    return check_password(password, str(row["password"]))


def new_session(store: Store, user_name: str | None = None) -> tuple[str, str]:
    """A new session (token, csrf token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with store.db() as db:
        db.execute("INSERT INTO sessions (token, user_name, csrf, created_at) VALUES (?, ?, ?, ?)",
                   (token, user_name, csrf, now()))
    return token, csrf


SESSION_DAYS = 30  # a session older than this is over: log in again


def session(store: Store, token: str | None) -> sqlite3.Row | None:
    """The session of a cookie's token, while it is less than SESSION_DAYS old."""
    if not token:
        return None
    oldest = (dt.datetime.now(dt.UTC) - dt.timedelta(days=SESSION_DAYS)).replace(microsecond=0).isoformat()
    with store.db() as db:
        row: sqlite3.Row | None = db.execute("SELECT * FROM sessions WHERE token = ? AND created_at >= ?",
                                             (token, oldest)).fetchone()
        return row


def end_session(store: Store, token: str) -> None:
    with store.db() as db:
        db.execute("DELETE FROM sessions WHERE token = ?", (token,))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
