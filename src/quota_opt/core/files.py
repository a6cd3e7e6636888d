"""The one write guard: what every command may write where, and how a file is written safely.

Every file the product writes (a results, comparison, scenario or annotated workbook, a model export) goes
through `write_file`, which holds to two rules:

- never write over a file the command reads, under any name: the same path, a symlink to it, a hard link
  (compared by device and inode once resolved);
- replace an existing file only when it is one the product wrote, of the same kind, recognised from its own
  markers (`kind_of`): a workbook's document properties (creator "quota-opt" and a title per kind; a results
  workbook also has its summary sheet), a model export's first line. A scenario workbook is filled in by hand,
  so one is replaced only while it is as the product wrote it (its modification time is still the product's
  fixed one: Excel, LibreOffice and openpyxl all stamp it on saving). Anything else is replaced only with
  `force`, and an input never.

The command line checks its outputs with `target_problems` before any work is done (exit 1); `write_file`
checks again when it writes, and `write_with_fallback` then saves what was made under a fallback name.

A file is written to a temporary name beside it and renamed into place; the temporary file goes when the
write fails or is interrupted (Ctrl-C, SIGTERM). Temporary and fallback names are shortened to fit the file
system's limit on a name (255 bytes of UTF-8 on most: some 80 Chinese characters).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import secrets
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from xml.etree import ElementTree

from quota_opt.core.errors import Location, OutputError, Problem, Severity
from quota_opt.core.messages import FILE_WORDS, KIND_WORDS, ROLE_WORDS, os_error_text
from quota_opt.core.results_schema import SUMMARY
from quota_opt.core.schema import find_sheet


class Kind(StrEnum):
    """What the product writes, each recognised by its own markers (`kind_of`)."""

    RESULTS = "results"
    COMPARISON = "comparison"  # compare and sweep
    SCENARIO = "scenario"  # template, generate, rollover
    ANNOTATED = "annotated"  # validate --annotate
    MODEL = "model"  # run --write-model


CREATOR = "quota-opt"
# a workbook's document title, per kind (a results workbook's goes on with the scenario's name)
TITLES = {Kind.RESULTS: "quota-opt results", Kind.COMPARISON: "quota-opt comparison",
          Kind.SCENARIO: "quota-opt scenario", Kind.ANNOTATED: "quota-opt annotated copy"}
# The time every workbook of the product is stamped with (created and modified): the same inputs give the same
# bytes, and a workbook saved since by anything else has another.
FIXED_TIME = dt.datetime(2019, 6, 6)
MODEL_MARK = "quota-opt model export"  # on a model export's first line, after the format's comment sign
MODEL_COMMENT = {".lp": "\\", ".mps": "*"}


def model_header(suffix: str, scenario: str = "") -> str:
    """The first line of a model export: a comment in its format (LP "\\", MPS "*") that marks it as ours."""
    name = f": {' '.join(scenario.split())}" if scenario else ""
    return f"{MODEL_COMMENT[suffix.lower()]} {MODEL_MARK}{name}\n"


@dataclass(frozen=True)
class Read:
    """A file a command reads, and its role in the command (for the message that refuses to write over it):
    "scenario", "results", or "compared" (a workbook `compare` reads, scenario or results)."""

    path: Path
    role: str = "input"


Reads = Sequence[Path | str | Read | None] | Path | str | Read | None


def reads_of(reads: Reads) -> list[Read]:
    """`reads` as a list of `Read`s: one path or several, each with its role or without (None left out)."""
    if reads is None:
        return []
    if isinstance(reads, str | Path | Read):
        reads = [reads]
    return [r if isinstance(r, Read) else Read(Path(r)) for r in reads if r is not None]


def same_file(a: Path | str, b: Path | str) -> bool:
    """True when `a` and `b` name the same file: the same path once resolved (symlinks followed), or the same
    device and inode (a hard link, another spelling on a case-insensitive file system). Never raises."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError, RuntimeError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


# --- what a file is ----------------------------------------------------------------------------------------

_NS = {"dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
       "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
       "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_PART_LIMIT = 1 << 20  # bytes of a workbook's part read to recognise it: its properties and sheet list are small


@dataclass(frozen=True)
class Marks:
    """A workbook's document properties and sheet names, as `workbook_marks` reads them."""

    creator: str
    title: str
    modified: str
    sheets: tuple[str, ...]


def _part(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(name)
        if info.file_size > _PART_LIMIT:
            return None
        return ElementTree.fromstring(archive.read(info))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return None


def workbook_marks(path: Path) -> Marks | None:
    """The document properties and sheet names of an .xlsx file, read from its zip parts without opening the
    workbook; None when it is no .xlsx (or cannot be read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            core = _part(archive, "docProps/core.xml")
            book = _part(archive, "xl/workbook.xml")
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return None
    if book is None:
        return None

    def text(tag: str) -> str:
        found = core.find(tag, _NS) if core is not None else None
        return (found.text or "").strip() if found is not None else ""

    sheets = tuple(s.get("name", "") for s in book.iterfind("m:sheets/m:sheet", _NS))
    return Marks(text("dc:creator"), text("dc:title"), text("dcterms:modified"), sheets)


_SUMMARY_NAMES = (SUMMARY.label_zh, SUMMARY.key, SUMMARY.label_en)  # a results workbook's summary sheet, zh or en
_UNEDITED = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")


def _model_kind(path: Path) -> Kind | None:
    try:
        with open(path, "rb") as f:
            first = f.readline(512).decode("utf-8", "replace")
    except OSError:
        return None
    return Kind.MODEL if MODEL_MARK in first and first[:1] in MODEL_COMMENT.values() else None


def kind_of(path: Path) -> Kind | None:
    """What the product wrote at `path`, from the file's own markers; None when it is not a file the product
    wrote (or no longer one it may replace: a scenario workbook saved since by anything else)."""
    if path.suffix.lower() in MODEL_COMMENT:
        return _model_kind(path)
    marks = workbook_marks(path)
    if marks is None or marks.creator != CREATOR:
        return None
    for kind, title in TITLES.items():
        if marks.title == title or (kind == Kind.RESULTS and marks.title.startswith(title + ":")):
            if kind == Kind.RESULTS and not any(name in marks.sheets for name in _SUMMARY_NAMES):
                return None
            if kind == Kind.SCENARIO and marks.modified != _UNEDITED:
                return None
            return kind
    return None


def describe(path: Path) -> str:
    """What an existing file is, as a key of messages.FILE_WORDS: a folder, a kind the product writes, a
    scenario filled in or edited since, a workbook or a file the product did not write."""
    if path.is_dir():
        return "folder"
    kind = kind_of(path)
    if kind is not None:
        return kind.value
    marks = workbook_marks(path)
    if marks is None:
        return "model_foreign" if path.suffix.lower() in MODEL_COMMENT else "file"
    if marks.creator == CREATOR and marks.title == TITLES[Kind.SCENARIO]:
        return "scenario_edited"

    if sum(1 for name in marks.sheets if find_sheet(name)) >= 2:
        return "scenario_foreign"
    return "workbook"


# --- the rule ------------------------------------------------------------------------------------------------

def _exists(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except (OSError, ValueError):
        return False


def target_problems(path: Path, kind: Kind | None, reads: Reads = None, *, force: bool = False, option: str = "--output",
                    others: Sequence[Path | None] = ()) -> list[Problem]:
    """Why `path` may not be written as a `kind` by a command that reads `reads` (empty: it may): it is one of
    them under some name, or another output of the same command (`others`), or an existing file that is not
    one the product wrote of this kind (unless `force`; kind None: a new file only). Each problem names the file, what it is and what to do.
    """
    for read in reads_of(reads):
        if same_file(path, read.path):
            return [Problem(Severity.ERROR, "output_is_input", Location(), {
                "option": option, "path": str(path), "input": str(read.path),
                "role": ROLE_WORDS.get(read.role, ROLE_WORDS["input"])})]
    for other in others:
        if other is not None and same_file(path, other):
            return [Problem(Severity.ERROR, "outputs_clash", Location(), {
                "option": option, "path": str(path), "other": str(other)})]
    if force or not _exists(path):
        return []
    what = describe(path)
    if kind is not None and what == kind.value:
        return []
    code = "output_is_folder" if what == "folder" else "output_exists"
    return [Problem(Severity.ERROR, code, Location(), {
        "option": option, "path": str(path), "what": FILE_WORDS[what],
        "kind": KIND_WORDS[kind.value if kind is not None else "new"]})]


class WriteRefused(OSError):
    """`write_file` would write over an input, or replace a file that is not one of its own kind."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(errno.EEXIST, problem.message("en"))


def check_target(path: Path, kind: Kind | None, reads: Reads = None, *, force: bool = False,
                 others: Sequence[Path | None] = ()) -> None:
    """Raise WriteRefused when `target_problems` finds a reason not to write `path`."""
    problems = target_problems(path, kind, reads, force=force, others=others)
    if problems:
        raise WriteRefused(problems[0])


# --- names that fit ------------------------------------------------------------------------------------------

def name_max(folder: Path) -> int:
    """The longest file name, in bytes, the file system of `folder` takes (255 when it does not say)."""
    try:
        return max(16, min(255, os.pathconf(folder, "PC_NAME_MAX")))
    except (OSError, ValueError, AttributeError):
        return 255


def fit_name(stem: str, tail: str, limit: int = 255) -> str:
    """`stem + tail` cut, in the stem, to at most `limit` bytes of UTF-8 (whole characters kept): the tail (a
    unique part and the extension) stays whole."""
    room = max(1, limit - len(tail.encode("utf-8")))
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + tail


def temporary_name(path: Path, suffix: str) -> Path:
    """A fresh temporary name beside `path`: "." + its stem + a random part + `suffix` (e.g. ".xlsx.tmp"),
    shortened to fit the file system."""
    return path.parent / fit_name(f".{path.stem}", f".{secrets.token_hex(4)}{suffix}", name_max(path.parent))


def fallback_paths(path: Path, beside: Path | None = None) -> list[Path]:
    """Where to save a file when `path` cannot be written, in order: beside it under another name, then beside
    `beside` (the input), then the working folder, then the system temporary folder. The name is `path`'s stem
    with a time stamp and its extension, shortened to fit. Never raises (a folder it cannot find is left out)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = path.suffix if 0 < len(path.suffix.encode("utf-8")) <= 16 else ".xlsx"
    folders: list[Path] = [path.parent]
    if beside is not None:
        folders.append(beside.parent)
    for where in (Path.cwd, lambda: Path(tempfile.gettempdir())):
        with contextlib.suppress(OSError, RuntimeError):
            folders.append(where())
    paths = []
    for folder in dict.fromkeys(folders):
        stem = path.stem if len(path.suffix.encode("utf-8")) <= 16 else path.name
        paths.append(folder / fit_name(stem, f"-{stamp}{suffix}", name_max(folder)))
    return paths


# --- writing ---------------------------------------------------------------------------------------------

def new_file_mode(path: Path) -> int:
    """The permissions the written file gets: those of the file it replaces, else what a new file gets under
    the user's umask (0644 under the usual 022); `mkstemp`'s 0600 would hide every file the tool writes on a
    shared drive from the user's colleagues."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except (OSError, ValueError):
        pass
    with _umask_lock:  # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


_umask_lock = threading.Lock()


@contextmanager
def atomic_path(path: Path, suffix: str, *, replace: bool = True) -> Iterator[str]:
    """A temporary file beside `path` (its folder made if needed) for the caller to write; renamed onto `path`
    with `new_file_mode`'s permissions when the block ends, removed if it raises (an error, Ctrl-C, SIGTERM), so
    a failed write never leaves half a file where `path` was, nor a temporary file. With `replace=False` the
    rename fails (FileExistsError) rather than take the place of a file that appeared meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp: Path | None = None
    try:
        for _ in range(100):
            candidate = temporary_name(path, suffix)
            # named before it exists: a Ctrl-C or SIGTERM landing just after os.open must still remove it
            tmp = candidate
            try:
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                tmp = None  # another's file: never removed here
                continue
            os.close(fd)
            break
        else:
            raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))
        os.chmod(tmp, new_file_mode(path))
        try:
            yield str(tmp)
        except Exception as exc:
            interrupt = _interrupt_behind(exc)
            if interrupt is None:
                raise
            raise interrupt from None  # stops as the interrupt says (130 or 143), not as an internal error
        if replace:
            os.replace(tmp, path)
        else:
            _rename_new(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM (a KeyboardInterrupt) that `exc` was raised over, if any: a writer's clean-up can fail
    because the interrupt cut its work short (openpyxl's zip file, closed on the way out with a sheet still open
    for writing: "Can't close the ZIP file while there is an open writing handle on it")."""
    seen: set[int] = set()
    cause = exc.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__context__
    return None


def _rename_new(tmp: Path, path: Path) -> None:
    """Rename `tmp` to `path`, which must not exist (a hard link then unlink; a plain rename where the file
    system has no hard links, after one more look)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        if _exists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


Writer = Callable[[str], None]
"""Writes the whole file at the path it is given (a temporary file)."""


def write_file(path: Path | str, write: Writer, kind: Kind | None, reads: Reads = None, *, force: bool = False,
               suffix: str | None = None) -> Path:
    """Write a `kind` of file at `path` with `write`, through a temporary file renamed into place, after
    `check_target` (raises WriteRefused: an input, or a file not of this kind without `force`). Raises OSError
    when it cannot be written there."""
    path = Path(path)
    check_target(path, kind, reads, force=force)
    with atomic_path(path, suffix or f"{path.suffix}.tmp") as tmp:
        write(tmp)
        check_target(path, kind, reads, force=force)  # still so after the work: nothing appeared meanwhile
    return path


class NotWritten(OutputError):
    """A file could not be written where asked; `saved` is where it was saved instead (None: nowhere).
    `what` says so in the message, in zh and en: the results (default), the scenario, the template."""

    def __init__(self, target: Path, reason: OSError, saved: Path | None,
                 what: tuple[str, str] = ("结果已另存为", "the results were saved to")):
        self.target = target
        self.saved = saved
        self.what = what
        self.protected = isinstance(reason, WriteRefused)
        self.error = reason
        super().__init__(self.report("en"))

    def report(self, lang: str = "zh") -> str:
        if isinstance(self.error, WriteRefused):
            why = self.error.problem.message(lang).rstrip("。.")
        else:
            why = os_error_text(self.error, lang)
        if lang == "zh":
            where = f"{self.what[0]} {self.saved}" if self.saved else "也无法写入任何备用位置"
            return f"无法写出 {self.target}（{why}）；{where}。"
        where = f"{self.what[1]} {self.saved} instead" if self.saved else "nor to any fallback location"
        return f"could not write {self.target} ({why}); {where}."


def write_with_fallback(path: Path | str, write: Writer, kind: Kind | None, reads: Reads = None, *, force: bool = False,
                        what: tuple[str, str] = ("结果已另存为", "the results were saved to")) -> Path:
    """`write_file`; when that fails, write under a fallback name (`fallback_paths`, never over any existing
    file) and raise NotWritten naming it (exit 4). The work of a long run is never lost to a locked or
    read-only target, a name too long, or a target that turned out to be an input."""
    path = Path(path)
    inputs = reads_of(reads)
    try:
        return write_file(path, write, kind, inputs, force=force)
    except OSError as first:
        for alt in fallback_paths(path, beside=inputs[0].path if inputs else None):
            try:
                if _exists(alt) or any(same_file(alt, r.path) for r in inputs):
                    continue
                with atomic_path(alt, f"{alt.suffix}.tmp", replace=False) as tmp:
                    write(tmp)
            except OSError:
                continue
            raise NotWritten(path, first, alt, what) from first
        raise NotWritten(path, first, None, what) from first

