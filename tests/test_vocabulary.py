"""One home for words and defaults: the settings' defaults are the schema's, and each name is written once."""

from __future__ import annotations

import dataclasses

from quota_opt.core.scenario import Settings
from quota_opt.core.schema import SETTINGS


def test_settings_are_the_schema_s_keys_with_its_defaults() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert set(fields) == {c.key for c in SETTINGS.columns}
    for column in SETTINGS.columns:
        if column.key == "base_year":  # required: no default
            assert fields["base_year"] is dataclasses.MISSING and column.default is None
        else:
            assert fields[column.key] == column.default and type(fields[column.key]) is type(column.default)


def test_quota_source_and_unit_names_are_defined_once() -> None:
    """SOURCE_WORDS was written twice with different words (compare's 存量 / "stock", the reasons' 存量土地 /
    "stock land"); now only core/vocabulary.py defines the names of quotas, sources and units."""
    import ast
    from pathlib import Path

    import quota_opt

    names = {"SOURCE_WORDS", "QUOTA_NAMES", "UNIT_WORDS", "QUOTA_UNITS"}
    root = Path(quota_opt.__file__).parent
    defined = {}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict | ast.DictComp):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in names:
                        defined.setdefault(target.id, []).append(path.relative_to(root).as_posix())
    assert defined == {name: ["core/vocabulary.py"] for name in names}
