"""The scenario library: uploads kept as numbered versions (hash, who, when), validated on arrival with the
CLI's words, deleted only by marking (restorable). Per-user unless the deployment is shared."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from quota_opt import api
from quota_opt.input.variants import variant_names
from quota_opt.web.store import Store, dumps, now

MAX_NAME = 120  # characters of a file name kept for display
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Viewer:
    """Who is asking: their name and role, and whether the deployment shares every library."""

    name: str
    role: str
    shared: bool = False

    @property
    def editor(self) -> bool:
        return self.role == "editor"

    def sees(self, owner: str) -> bool:
        """An editor sees their own library (every one when the deployment shares them); a viewer, who has no
        library of their own to look at, sees every one, read-only."""
        return self.shared or not self.editor or owner == self.name


def scenarios_of(store: Store, owner: str) -> int:
    """How many scenarios `owner` keeps (deleted ones left out)."""
    with store.db() as db:
        return int(db.execute("SELECT COUNT(*) FROM scenarios WHERE owner = ? AND deleted_at IS NULL",
                              (owner,)).fetchone()[0])


def display_name(filename: str) -> str:
    """The upload's file name as shown: its last part only, trimmed, at most MAX_NAME characters."""
    name = PurePath(filename.replace("\\", "/")).name.strip() or "workbook.xlsx"
    return name[-MAX_NAME:]


def looks_like_xlsx(filename: str, data: bytes) -> bool:
    """An .xlsx by name and by content (a zip archive); the validator says what is wrong with anything else."""
    return filename.lower().endswith(".xlsx") and data[:4] == ZIP_MAGIC


def checked(data: bytes, filename: str) -> tuple[dict[str, Any], dict[str, Any], api.Validation]:
    """Validate an upload: (validation rows in zh and en with counts, facts of a valid scenario, the Validation)."""
    result = api.validate(data, name=filename)
    rows = {lang: result.rows(lang) for lang in ("zh", "en")}
    facts: dict[str, Any] = {}
    sc = result.scenario
    if result.ok and sc is not None:
        s = sc.settings
        facts = {"districts": len(sc.districts), "projects": len(sc.projects), "first_year": s.base_year,
                 "last_year": s.last_year, "years": s.horizon_years, "scenario_name": s.scenario_name,
                 "variants": variant_names(sc), "project_ids": [str(p) for p in sc.projects["project_id"]][:5000]}
    return {"rows": rows, "readable": result.readable}, facts, result


def add_version(store: Store, owner: str, filename: str, data: bytes, scenario_id: int | None = None,
                origin: str = "") -> int:
    """Keep an upload as the next version of `scenario_id` (a new scenario when None). Returns the version id."""
    filename = display_name(filename)
    validation, facts, result = checked(data, filename)
    sha = store.put(data)
    with store.db() as db:
        db.execute("BEGIN IMMEDIATE")
        if scenario_id is None:
            scenario_id = int(db.execute("INSERT INTO scenarios (owner, name, created_at) VALUES (?, ?, ?)",
                                         (owner, PurePath(filename).stem or filename, now())).lastrowid or 0)
        number = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE scenario_id = ?",
                            (scenario_id,)).fetchone()[0]
        version_id = db.execute(
            "INSERT INTO versions (scenario_id, number, filename, sha256, size, uploaded_by, uploaded_at, origin, "
            "valid, errors, warnings, validation, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (scenario_id, number, filename, sha, len(data), owner, now(), origin, int(result.ok),
             len(result.errors), len(result.warnings), dumps(validation), dumps(facts))).lastrowid
        db.execute("COMMIT")
    return int(version_id or 0)


def scenarios(store: Store, viewer: Viewer, deleted: bool = False) -> list[sqlite3.Row]:
    """The scenarios `viewer` sees (deleted ones when `deleted`), newest first, each with its latest version."""
    with store.db() as db:
        rows = db.execute(
            "SELECT s.*, v.id AS version_id, v.number, v.filename, v.sha256, v.uploaded_by, v.uploaded_at, v.valid, "
            "v.errors, v.warnings, v.facts, (SELECT COUNT(*) FROM versions x WHERE x.scenario_id = s.id "
            "AND x.deleted_at IS NULL) AS versions FROM scenarios s JOIN versions v ON v.id = (SELECT MAX(id) "
            "FROM versions y WHERE y.scenario_id = s.id AND y.deleted_at IS NULL) "
            f"WHERE s.deleted_at IS {'NOT ' if deleted else ''}NULL ORDER BY v.uploaded_at DESC, s.id DESC").fetchall()
    return [r for r in rows if viewer.sees(r["owner"])]


def scenario(store: Store, viewer: Viewer, scenario_id: int) -> sqlite3.Row | None:
    with store.db() as db:
        row: sqlite3.Row | None = db.execute("SELECT * FROM scenarios WHERE id = ?", (scenario_id,)).fetchone()
    return row if row is not None and viewer.sees(row["owner"]) else None


def versions(store: Store, scenario_id: int) -> list[sqlite3.Row]:
    with store.db() as db:
        return db.execute("SELECT * FROM versions WHERE scenario_id = ? ORDER BY number DESC",
                          (scenario_id,)).fetchall()


def version(store: Store, viewer: Viewer, version_id: int) -> sqlite3.Row | None:
    """A version with its scenario's owner and name, when `viewer` sees it."""
    with store.db() as db:
        row: sqlite3.Row | None = db.execute(
            "SELECT v.*, s.owner, s.name AS scenario_name, s.deleted_at AS scenario_deleted FROM versions v "
            "JOIN scenarios s ON s.id = v.scenario_id WHERE v.id = ?", (version_id,)).fetchone()
    return row if row is not None and viewer.sees(row["owner"]) else None


def mark_deleted(store: Store, table: str, row_id: int, deleted: bool) -> None:
    """Delete (mark) or restore a scenario or a version; the bytes stay."""
    if table not in ("scenarios", "versions", "jobs"):
        raise ValueError(table)
    with store.db() as db:
        db.execute(f"UPDATE {table} SET deleted_at = ? WHERE id = ?", (now() if deleted else None, row_id))
