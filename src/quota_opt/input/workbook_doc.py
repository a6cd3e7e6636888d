"""docs/workbook.md, generated: the workbook reference from the schema, the reader's coercions and normalisations
and every message of the catalogue. Regenerate with `python -m quota_opt.input.workbook_doc > docs/workbook.md`;
tests/test_validate.py checks that it is up to date.

Here, in the input layer, because it quotes the validator's rules (COERCIONS, SILENT_NORMALIZATIONS) beside the
schema and the messages of core.
"""

from __future__ import annotations

from quota_opt.core.messages import TEMPLATES
from quota_opt.core.schema import reference_doc
from quota_opt.input.cells import COERCIONS, SILENT_NORMALIZATIONS


def _table_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def workbook_doc() -> str:
    """docs/workbook.md: the workbook reference generated from the schema (en and zh), the coercions
    that are read with a warning, the silent normalisations, and every input message."""
    def demote(md: str) -> str:
        return "\n".join("#" + line if line.startswith("#") else line for line in md.splitlines())

    out = [
        "<!-- Generated from the schema and the message catalogue: python -m quota_opt.input.workbook_doc > docs/workbook.md."
        " Do not edit by hand; tests/test_validate.py checks that it is up to date. -->",
        "",
        "# The scenario workbook · 方案工作簿",
        "",
        "One workbook is one scenario. Each sheet below may be named by its key or its Chinese label; each column "
        "header may be the key or the label (trimmed, case- and full/half-width-insensitive, the column's own "
        "unit in brackets allowed). `quota-opt template` writes a blank workbook; `quota-opt validate` checks one and "
        "names every problem by sheet, Excel row and column.",
        "",
        "一个工作簿即一个方案。工作表名可用英文键或中文名，列名可用英文键或中文名（忽略首尾空格、大小写和全角/半角，可带本列的括号单位）。"
        "`quota-opt template` 生成空白模板，`quota-opt validate` 校验并逐项指出问题所在的工作表、行和列。",
        "",
        "Contents: the sheets and columns (English, then Chinese); awkward cells read with a warning; what is "
        "normalised silently; every message the validator writes.",
        "",
        demote(reference_doc("en")),
        "",
        demote(reference_doc("zh")),
        "",
        "## Awkward cells read with a warning · 读取时提示的自动转换",
        "",
        "Each of these is read, and reported as a warning (yellow in `validate --annotate`) so that it can be "
        "checked. Anything else that does not fit its column is an error.",
        "",
        "| warning code | what is read | 说明 |",
        "|---|---|---|",
    ]
    for code, zh_text, en_text in COERCIONS:
        out.append(f"| `{code}` | {_table_cell(en_text)} | {_table_cell(zh_text)} |")
    out += ["", "## Read silently · 不提示的规范化", "", "| rule | 说明 |", "|---|---|"]
    for zh_text, en_text in SILENT_NORMALIZATIONS:
        out.append(f"| {_table_cell(en_text)} | {_table_cell(zh_text)} |")
    out += ["", "## Messages · 提示信息", "",
            "Every message starts with where: sheet, Excel row, column (key and label) and cell.", "",
            "| code | English | 中文 |", "|---|---|---|"]
    for code, (zh_text, en_text) in TEMPLATES.items():
        out.append(f"| `{code}` | {_table_cell(en_text)} | {_table_cell(zh_text)} |")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    sys.stdout.write(workbook_doc())
