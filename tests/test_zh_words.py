"""A zh workbook speaks Chinese: no English code (`selected`, `quota_short`, `district_land_quota`, `priority`) in
any cell a reader sees, and the bureau's terms, not near misses (存量建设用地, not 存量土地; 未使用（不结转）, not 作废;
a district's quota named after the district once, not 拱墅区区县…).

What may be ASCII: ids and acronyms (no lower-case letter: XM001, D01, CDMO), numbers, the input file's name and
hash, and the names of the software in the technical section (HiGHS, Pyomo, Python, quota-opt)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from quota_opt.input.validate import read_scenario
from quota_opt.output.results_workbook import write_results
from quota_opt.output.template import write_template
from quota_opt.pipeline import RunResult

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "hangzhou_example.xlsx"

# software and file names a zh workbook may show as they are
ALLOWED = {"HiGHS", "highs", "highspy", "Pyomo", "pyomo.contrib.solver", "Python", "quota-opt", "SHA-256", "Ctrl-C", "xlsx"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_HEX = re.compile(r"^[0-9a-f]{64}$")
# terms the bureau does not use, and the doubled words a qualified name made
WRONG_TERMS = ("存量土地", "作废", "竞争未获安排", "区区县", "县区县", "市区县", "拉格朗日上界（", "可向省争取指标")
DOUBLED_PLATFORM = re.compile(r"平台 ?\w+ ?平台")


def english_codes(text: str) -> list[str]:
    """The ASCII words of `text` a zh reader should not meet: those with a lower-case letter that are no allowed
    name or file name (an id or acronym has none: XM001, CDMO)."""
    if _HEX.match(text) or text.endswith(".xlsx"):
        return []
    return [w for w in _WORD.findall(text)
            if any(ch.islower() for ch in w) and w.rstrip(".") not in ALLOWED]


def wrong_words(path: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Every cell of every sheet (but those named in `skip`) of the workbook at `path` that shows an English code or
    a wrong term, as "sheet!cell: text"; data validations' lists (the drop-downs) too."""
    wb = openpyxl.load_workbook(path)
    found = []
    for ws in (ws for ws in wb.worksheets if ws.title not in skip):
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                bad = english_codes(cell.value) + [t for t in WRONG_TERMS if t in cell.value]
                bad += DOUBLED_PLATFORM.findall(cell.value)
                if bad:
                    found.append(f"{ws.title}!{cell.coordinate}: {bad} in {cell.value[:120]!r}")
        for dv in ws.data_validations.dataValidation:
            if dv.type == "list" and (dv.formula1 or "").startswith('"') and english_codes(dv.formula1.strip('"')):
                found.append(f"{ws.title}!{dv.sqref} drop-down: {dv.formula1}")
    return found


def test_the_scanner_finds_codes_and_wrong_terms() -> None:
    """The scanner itself: it flags a code, a key and a wrong term, and passes ids, acronyms and allowed names."""
    assert english_codes("quota_short") == ["quota_short"]
    assert english_codes("原因：selected") == ["selected"]
    assert english_codes("XM001 杭州启望微电子 MEMS传感器产线项目 D01 PF01") == []
    assert english_codes("HiGHS 1.16.0") == [] and english_codes("hangzhou_example.xlsx") == []
    assert DOUBLED_PLATFORM.findall("平台 PA平台用地容量") and not DOUBLED_PLATFORM.findall("平台 PA 用地容量")


def test_the_zh_template_offers_chinese_choices(tmp_path: Path) -> None:
    """The drop-downs of a zh template offered priority,weighted_totals / district_only,exclude / set,scale,
    though the Chinese words were read as well."""
    path = write_template(tmp_path / "t.xlsx", "zh")
    assert wrong_words(path, skip=("说明",)) == []  # the instructions give the commands to type, and yes/no words
    wb = openpyxl.load_workbook(path)
    lists = {dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
    assert {'"优先度加权供地,加权总量"', '"仅限区县资源,排除"', '"设为,乘以"'} <= lists
    assert read_scenario(EXAMPLE).settings.objective_mode == "priority"  # the zh example names it 优先度加权供地


@pytest.mark.slow
@pytest.mark.xdist_group("example")
def test_the_examples_zh_results_have_no_english_code(example_run: RunResult, tmp_path: Path) -> None:
    """Every cell of the example's zh results workbook, every sheet: reason codes (已安排, not selected), the shadow
    prices' constraints, the ledger's 未使用（不结转）, district quotas named once (拱墅区新增建设用地计划指标)."""
    path = write_results(example_run, tmp_path / "zh.xlsx", "zh")
    assert wrong_words(path) == []
    rows = list(openpyxl.load_workbook(path)["项目分配"].iter_rows(values_only=True))
    at = rows[0].index("原因代码")
    codes = {r[at] for r in rows[1:]}
    assert {"已安排", "未予安排（指标不足）"} <= codes, codes
    from quota_opt.input.results_read import read_results

    read = set(read_results(path).allocation["reason_code"])  # read back as codes, as from an en workbook
    assert {"selected", "outcompeted"} <= read and not read & codes, read


@pytest.mark.parametrize("target", ["市级年度指标.市级统筹能耗指标", "city_quotas.city_energy_pool", "市级年度指标．city_energy_pool",
                                    "City quotas.City energy pool"])
def test_a_variant_names_its_target_by_key_or_label(target: str) -> None:
    """A variant's sheet.column took keys only, though a setting could be named by its Chinese label: a bureau
    writing 市级年度指标.市级统筹能耗指标 was told the target was unknown."""
    from quota_opt.input.variants import resolve_target

    resolved = resolve_target(target)
    assert resolved is not None and (resolved[0], resolved[1].key) == ("city_quotas", "city_energy_pool")
    assert resolve_target("项目.用地需求") is None  # a sheet no variant may change


def test_every_reason_code_has_chinese_words_and_reads_back() -> None:
    """A zh allocation shows each reason code in words; a code without words would show as it is (English)."""
    from quota_opt.core.reason_texts import REASONS
    from quota_opt.core.results_schema import reason_code_of, reason_code_word
    from quota_opt.interpret.reasons import POST_REASONS

    for code in {*REASONS, *POST_REASONS}:
        word = reason_code_word(code, "zh")
        assert not english_codes(word), code
        assert reason_code_of(word) == code and reason_code_of(code) == code
