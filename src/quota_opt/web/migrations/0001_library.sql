-- The workbench's first schema: accounts and sessions, the scenario library (every upload a version, never
-- overwritten; deleting only marks), and jobs (runs, explanations, comparisons, sweeps) with their progress.
-- Workbooks are not stored here: a version names its bytes by SHA-256 in the blob folder (web/store.py).

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'editor')),
    password TEXT NOT NULL,            -- scrypt$n$r$p$salt$hash (hex)
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token TEXT PRIMARY KEY,            -- the cookie's random value
    user_name TEXT,                    -- NULL until logged in (the login form needs a CSRF token too)
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE scenarios (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,                -- shown only; never a file system path
    created_at TEXT NOT NULL,
    deleted_at TEXT                    -- deleting marks; restoring clears it
);

CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    scenario_id INTEGER NOT NULL REFERENCES scenarios (id),
    number INTEGER NOT NULL,
    filename TEXT NOT NULL,            -- as uploaded, shown only
    sha256 TEXT NOT NULL,              -- the uploaded bytes, in the blob folder under this name
    size INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT '',   -- '' for an upload; 'rollover:<job id>' for next year's scenario
    valid INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    validation TEXT NOT NULL,          -- JSON: the problems' rows in zh and en (api.Validation.rows)
    facts TEXT NOT NULL,               -- JSON: districts, projects, years, variants when valid
    deleted_at TEXT,
    UNIQUE (scenario_id, number)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('run', 'explain', 'compare', 'sweep')),
    owner TEXT NOT NULL,
    version_id INTEGER REFERENCES versions (id),
    options TEXT NOT NULL,             -- JSON
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    pid INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    progress TEXT,                     -- JSON: stage, elapsed, objective, bound, gap, history / cases done
    message TEXT,                      -- JSON {"zh": ..., "en": ...} when failed or stopped early
    outcome TEXT,                      -- JSON: what the page shows (status, summary, explanation, comparison)
    workbook_sha TEXT,                 -- the workbook written (results, comparison), in the blob folder
    tables_sha TEXT,                   -- the results tables (gzipped JSON) for the pages, in the blob folder
    deleted_at TEXT
);

CREATE INDEX jobs_status ON jobs (status, id);
CREATE INDEX versions_scenario ON versions (scenario_id, number);
