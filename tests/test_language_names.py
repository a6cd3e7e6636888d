"""Names in the language of the report: what a zh workbook or console says reads as Chinese, an en one as English,
and the console names a thing as the workbooks do."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from quota_opt.cli import app
from quota_opt.schema import SETTINGS
from quota_opt.validate import validate_workbook

runner = CliRunner()


def _setting(path: Path, key: str) -> object:
    """The value a scenario workbook's settings sheet gives `key` (its row named by the key or its label)."""
    ws = openpyxl.load_workbook(path).worksheets[1]
    names = {SETTINGS.column(key).header("zh"), key}
    return next(row[1] for row in ws.iter_rows(values_only=True) if row[0] in names)


@pytest.mark.parametrize(("lang", "template_name", "generated_name"), [
    ("zh", "方案", "生成的示例方案（12个项目、3个区县、2个年度，种子5）"),
    ("en", "scenario", "generated 12x3x2 seed 5"),
])
def test_template_and_generated_scenarios_are_named_in_the_workbooks_language(
        tmp_path: Path, lang: str, template_name: str, generated_name: str) -> None:
    """The template's scenario name and a generated scenario's name are in the workbook's language: in zh they were
    "scenario" and "generated 12x3x2 seed 5". A blank name reads as the template's (and its comment's) default."""
    template, generated = tmp_path / "t.xlsx", tmp_path / "g.xlsx"
    assert runner.invoke(app, ["template", "-o", str(template), "--lang", lang]).exit_code == 0
    res = runner.invoke(app, ["generate", "-o", str(generated), "--projects", "12", "--districts", "3",
                              "--years", "2", "--seed", "5", "--lang", lang])
    assert res.exit_code == 0, res.output
    assert _setting(template, "scenario_name") == template_name
    assert _setting(generated, "scenario_name") == generated_name
    comment = openpyxl.load_workbook(template).worksheets[1]["A2"].comment.text
    assert ("默认：" if lang == "zh" else "Default: ") + template_name in comment
    wb = openpyxl.load_workbook(generated)  # a blank name takes the default of the workbook's language
    ws = wb.worksheets[1]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == ws["A2"].value)
    ws.cell(row=row, column=2).value = None
    wb.save(tmp_path / "blank.xlsx")
    report = validate_workbook(tmp_path / "blank.xlsx")
    assert report.scenario is not None and report.scenario.settings.scenario_name == template_name
