"""The workbench: `quota-opt serve`, a web page where bureau staff keep, run, explain and compare their scenarios.

A thin Starlette layer (app.py) over the library API (quota_opt.api), a SQLite store with numbered migrations
(store.py), the scenario library (library.py) and a queue of worker processes (jobs.py, worker.py).
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import uvicorn

from quota_opt.core.errors import QuotaOptError
from quota_opt.web import library
from quota_opt.web.app import Config, create_app, is_loopback
from quota_opt.web.store import LOCAL_USER, Store, add_user, default_data_dir, has_users
from quota_opt.web.words import word

DEFAULT_PORT = 8765

__all__ = ["DEFAULT_PORT", "ServeRefused", "add_account", "serve"]


class ServeRefused(QuotaOptError):
    """The workbench will not serve on a non-loopback address without accounts (exit 1)."""

    exit_code = 1

    def __init__(self, key: str, **params: object):
        self.key, self.params = key, params
        super().__init__(word(key, "en", **params))

    def report(self, lang: str = "zh") -> str:
        return word(self.key, lang, **self.params)


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, data_dir: str | Path | None = None, *,
          workers: int | None = None, queue_size: int = 20, shared: bool = False, dask: str | None = None,
          lang: str = "zh") -> None:
    """Serve the workbench until Ctrl-C. On any address but loopback, accounts must exist (`add_account`)."""
    root = Path(data_dir) if data_dir else default_data_dir()
    store = Store.open(root)
    if not is_loopback(host) and not has_users(store):
        raise ServeRefused("serve_refused", host=host)
    app = create_app(Config(data_dir=root, host=host, slots=workers, queue_size=queue_size, shared=shared,
                            dask=dask))
    print(word("serving", lang, host=host, port=port, data=root), file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)


def add_account(name: str, role: str, data_dir: str | Path | None = None, lang: str = "zh",
                password: str | None = None) -> None:
    """Create an account (or reset its role and password). The password is asked twice on a terminal, else read
    from the first line of standard input; it is stored hashed with scrypt."""
    root = Path(data_dir) if data_dir else default_data_dir()
    if password is None:
        if sys.stdin.isatty():
            password = getpass.getpass(word("password_prompt", lang, name=name))
            if getpass.getpass(word("password_again", lang)) != password:
                raise ServeRefused("password_mismatch")
        else:
            password = sys.stdin.readline().rstrip("\r\n")
    store = Store.open(root)
    try:
        add_user(store, name, role, password)
    except ValueError:
        raise ServeRefused("user_bad") from None
    print(word("user_added", lang, name=name, role=word(f"role_{role}", lang)), file=sys.stderr)
    local = library.scenarios_of(store, LOCAL_USER)
    if local:
        print(word("local_work_note", lang, count=local), file=sys.stderr)
