"""Every sentence the product says about input problems, in Chinese and English.

A message reads: where (sheet, Excel row, column label and key, cell), what was expected, what was
found, and how to fix it, e.g.
  工作表 项目(projects)，第12行，用地需求(land_demand)，单元格 G12：应为不小于0.01的数，实际为 "abc"。
  sheet projects, row 12, land_demand (Land demand), cell G12: expected a number ≥ 0.01, got "abc".

docs/workbook.md lists these messages beside the schema and the reader's coercions: input/workbook_doc.py
(`python -m quota_opt.input.workbook_doc > docs/workbook.md`).
"""

from __future__ import annotations

import datetime as dt
import errno
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quota_opt.core.results_schema import RESULT_SHEETS
from quota_opt.core.schema import SHEETS_BY_KEY, Column, ColumnType, yes_no_words

if TYPE_CHECKING:  # errors imports this module to render a problem: the types only, for annotations
    from quota_opt.core.errors import Location, Problem

LANGS = ("zh", "en")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


# The operating-system errors a user meets when saving or reading a file, described in Chinese: the OS gives
# its reason in English ("Permission denied"), which a zh message should not show as it is.
_OS_ERRORS_ZH: dict[int, str] = {
    errno.EACCES: "没有权限，文件可能正在 Excel 中打开或为只读",
    errno.EPERM: "操作不被允许，文件可能被锁定、为只读或正在 Excel 中打开",
    errno.ENOENT: "文件或文件夹不存在",
    errno.EEXIST: "已有同名文件",
    errno.ENOTDIR: "路径中的某一级不是文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "所在磁盘为只读",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.EBUSY: "文件正被其他程序占用",
    errno.EINVAL: "文件名不合法",
}


def os_error_text(exc: BaseException, lang: str) -> str:
    """Why a file operation failed, for a message: in zh the common OS errors in Chinese (an unknown one keeps
    the OS's own words), in en the OS's words."""
    code = getattr(exc, "errno", None)
    if lang == "zh" and code in _OS_ERRORS_ZH:
        return _OS_ERRORS_ZH[code]
    return getattr(exc, "strerror", None) or str(exc)


# explain's words about its thresholds and re-solves (cli explain; the library API gives Threshold.exact)
EXPLAIN_WORDS: dict[str, tuple[str, str]] = {
    "approximate": ("≈{value}（近似值：有重新求解未在时限内证明最优，可加大 --time-limit）",
                    "≈{value} (approximate: a re-solve behind it was not proved optimal in its time limit; "
                    "raise --time-limit)"),
    "neighbourhood": ("临界值由已采用方案在本项目所在区县及其共用的市级指标范围内重新优化得出，其他项目的安排不变。",
                      "Thresholds re-optimise the adopted plan in the project's district and among the projects "
                      "sharing its city-level quotas; other projects keep their places."),
    "progress": ("正在重新求解以寻找临界值：已完成 {done}/{total} 次，已用 {elapsed:.0f} 秒，预计还需约 {left:.0f} 秒",
                 "Re-solving to find the thresholds: {done}/{total} done, {elapsed:.0f} s so far, about {left:.0f} s "
                 "left"),
    "solves": ("共重新求解 {solves} 次，用时 {seconds:.1f} 秒。", "{solves} re-solves, {seconds:.1f} s."),
    # said only when some were: "settled by the LP bound" is what a what-if needed no full re-solve for
    "solves_skipped": ("其中 {skipped} 次无需完整求解：放宽为连续变量后的上界已表明决定不会改变。",
                       "{skipped} of them needed no full re-solve: the bound of the relaxation (the LP) already showed "
                       "the decision cannot flip."),
}


# compare and sweep: how many of the differences against the base are beyond the solver's gaps
COMPARE_WORDS: dict[str, tuple[str, str]] = {
    # {base}: the first case's name, the one the others are compared with (基准方案, a sweep's first value, a run)
    "significant": ("与“{base}”相比：决定改变 {decisions} 处，其中超出求解间隙（显著）{sig_decisions} 处；指标差异 {kpis} 处，"
                    "其中显著 {sig_kpis} 处。其余差异在两方案的最优性间隙之内，可能只是求解搜索的差异。",
                    "Against \u201c{base}\u201d: {decisions} decisions changed, {sig_decisions} of them beyond the solver's gaps "
                    "(significant); {kpis} KPI differences, {sig_kpis} significant. The others lie within the two "
                    "cases' optimality gaps and may be the search's, not the input's."),
}


# code -> (zh, en). Templates use str.format with the problem's params; `expected` is filled from the
# column's type and bounds, `found` is quoted, and {zh, en} dict params are picked for the language.
TEMPLATES: dict[str, tuple[str, str]] = {
    # files
    "file_not_found": ("找不到文件 {path}。请检查路径。", "file {path} does not exist. Check the path."),
    "not_a_file": ("{path} 是文件夹，不是工作簿文件。请给出 .xlsx 文件的路径。",
                   "{path} is a directory, not a workbook file. Give the path of an .xlsx file."),
    "not_regular_file": ("{path} 不是普通文件。请给出 .xlsx 文件的路径。",
                         "{path} is not a regular file. Give the path of an .xlsx file."),
    "empty_file": ("{path} 是空文件（0 字节）。请检查是否保存完整。", "{path} is empty (0 bytes). Check that it was saved."),
    "unsupported_format": (
        "{path} 是 {fmt} 文件，本工具只读取 Excel .xlsx 工作簿。请在 Excel 或 WPS 中“另存为” .xlsx 后重试。",
        "{path} is a {fmt} file; only Excel .xlsx workbooks are read. Save it as .xlsx in Excel, WPS or "
        "LibreOffice and try again.",
    ),
    "strict_open_xml": (
        "{path} 以“Strict Open XML 电子表格”格式保存，本工具（和许多程序一样）读不出其中的工作表。请在 Excel 中打开，"
        "“另存为”并将保存类型选为“Excel 工作簿(*.xlsx)”后重试。",
        '{path} is saved as a "Strict Open XML Spreadsheet", whose sheets this tool (like many programs) cannot read. '
        'Open it in Excel, choose Save As, pick the type "Excel Workbook (*.xlsx)" and try again.',
    ),
    "corrupt_file": (
        "{path} 无法作为 .xlsx 工作簿打开（文件损坏或不是 Excel 文件）：{detail}。请在 Excel 中打开并另存为 .xlsx。",
        "{path} cannot be opened as an .xlsx workbook (damaged or not an Excel file): {detail}. Open it in Excel "
        "and save it as .xlsx.",
    ),
    "encrypted_file": (
        "{path} 设有打开密码，无法读取。请在 Excel 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后保存。",
        "{path} is password-protected and cannot be read. Remove the password in Excel (File → Info → Protect "
        "Workbook → Encrypt with Password, clear it) and save.",
    ),
    "ole_file": (
        "{path} 不是 .xlsx 格式：它是设有打开密码的工作簿，或是改了扩展名的旧版 Excel 97-2003 (.xls) 文件。"
        "请在 Excel 中取消密码（文件→信息→保护工作簿），或“另存为” .xlsx 后重试。",
        "{path} is not in .xlsx format: it is either password-protected or an old Excel 97-2003 (.xls) file "
        "renamed. Remove the password in Excel (File → Info → Protect Workbook) or save it as .xlsx, and try again.",
    ),
    "unreadable_file": ("无法读取 {path}：{detail}。", "cannot read {path}: {detail}."),
    "lock_file": (
        "{path} 是 Excel 打开工作簿时生成的锁定文件，不是工作簿本身。请改用 {workbook}。",
        "{path} is the lock file Excel makes beside an open workbook, not the workbook itself. Use {workbook}.",
    ),
    "empty_workbook": (
        "工作簿中没有任何方案工作表（现有工作表：{found}）。应包含 参数设置(settings)、区县(districts)、项目(projects) "
        "等工作表；可用 quota-opt template 生成模板。",
        "the workbook contains none of the scenario sheets (sheets found: {found}). It needs settings, districts, "
        "projects, ...; quota-opt template writes a blank one.",
    ),
    # sheets
    "missing_sheet": (
        "缺少工作表。请添加名为“{label_zh}”或“{key}”的工作表（可用 quota-opt template 生成模板）。",
        'the sheet is missing. Add a sheet named "{key}" or "{label_zh}" (quota-opt template writes one).',
    ),
    "results_not_scenario": (
        "这是结果工作簿（有“概览”“项目分配”等工作表，由 quota-opt run 写出），不是方案工作簿。请给出方案工作簿；"
        "结果工作簿由 explain、compare 和 rollover 读取。",
        "this is a results workbook (it has the summary and allocation sheets quota-opt run writes), not a scenario "
        "workbook. Give the scenario workbook; explain, compare and rollover read results workbooks.",
    ),
    "scenario_not_results": (
        "这是方案工作簿（现有工作表：{found}），不是结果工作簿。请给出 quota-opt run 写出的结果工作簿（如 {example}）。",
        "this is a scenario workbook (sheets found: {found}), not a results workbook. Give the results workbook "
        "quota-opt run writes (e.g. {example}).",
    ),
    "results_missing_sheet": (
        "结果工作簿缺少工作表“{label_zh}”({key})（现有工作表：{found}）。请恢复该工作表及其名称，或重新运行 quota-opt run。",
        'the results workbook has no sheet "{key}" ({label_zh}) (sheets found: {found}). Restore the sheet and its '
        "name, or run quota-opt run again.",
    ),
    "results_not_adopted": (
        "结果工作簿的求解状态为“{found}”，其中没有分配方案，无从解释、比较或结转。请先修改方案使其可行并重新运行 "
        "quota-opt run（原因见该工作簿的“不可行原因”表）。",
        'the results workbook\'s status is "{found}": it holds no allocation to explain, compare or roll over. Make '
        "the scenario feasible and run quota-opt run again (its infeasibility sheet says why).",
    ),
    "rollover_needs_ledger": (
        "方案允许指标结转（参数“指标可结转”(carryover_allowed)为“是”），结转需要结果工作簿“指标台账”表(ledger)的 "
        "{columns} 列，实际缺少 {missing}。请恢复该表或这些列，或重新运行 quota-opt run。",
        "the scenario carries unused quota over (carryover_allowed is yes), so rolling over needs the results "
        "workbook's ledger sheet (指标台账) with its columns {columns}; missing: {missing}. Restore the sheet or "
        "the columns, or run quota-opt run again.",
    ),
    "results_unknown_project": (
        "“{found}”不是该方案（{scenario}）中的项目。请更正编号，或用 --scenario 指定该结果对应的方案。",
        '"{found}" is not a project of the scenario ({scenario}). Correct the id, or pass the scenario of these '
        "results with --scenario.",
    ),
    "results_project_missing": (
        "方案中的项目“{found}”在该表中没有行（行可能被删除）。请恢复该行；不供地的项目请将“是否安排”填为“否”。",
        'project "{found}" of the scenario has no row in this sheet (was the row deleted?). Restore the row; for a '
        'project not supplied, set selected to "no".',
    ),
    "duplicate_sheet": (
        "工作表“{other}”与本表表示同一张表（{key}），无法确定读取哪一张。请删除或改名其中一张。",
        'sheet "{other}" stands for the same table ({key}); it is unclear which to read. Delete or rename one.',
    ),
    "unknown_sheet": ("未识别的工作表，已忽略。", "unrecognised sheet, ignored."),
    "hidden_sheet": ("该工作表处于隐藏状态，仍按正常数据读取。", "this sheet is hidden; it is read like any other."),
    "hidden_rows": (
        "第{rows}行（共 {count} 行）处于隐藏状态，仍按正常数据读取。",
        "row(s) {rows} ({count} in all) are hidden; they are read like any other.",
    ),
    "hidden_columns": (
        "第 {columns} 列（共 {count} 列）处于隐藏状态，仍按正常数据读取。",
        "column(s) {columns} ({count} in all) are hidden; they are read like any other.",
    ),
    "empty_sheet": (
        "工作表为空。第1行应为列名（必需列：{columns}），从第2行起每行一条记录。",
        "the sheet is empty. Row 1 should hold the column names (required: {columns}), one record per row below.",
    ),
    "no_header": (
        "前{rows}行中找不到表头行（至少要有两个可识别的列名）。请在第1行填写列名（中文名或英文键），必需列：{columns}。",
        "no header row in the first {rows} rows (at least two recognisable column names are needed). Put the "
        "column names (labels or keys) in row 1; required: {columns}.",
    ),
    "no_records": ("表中没有数据行。请在表头下方每行填写一条记录。",
                   "the sheet has no data rows. Add one record per row below the header."),
    "rows_above_header": (
        "表头在第{header_row}行，其上方第{rows}行（标题等）已忽略。",
        "the header is in row {header_row}; row(s) {rows} above it (a title?) are ignored.",
    ),
    "extra_header_row": ("该行与表头重复（第二行表头），已跳过。", "this row repeats the header (a second header row); skipped."),
    "units_row_skipped": (
        "该行为单位行（{units}），已跳过；各单位已与所在列核对。",
        "this row gives the columns' units ({units}); skipped, after checking each against its column.",
    ),
    # columns
    "missing_column": (
        "缺少必需列“{label_zh}”({key})。请在表头行添加该列（中文名或英文键均可）。",
        'the required column "{key}" ({label_en}) is missing. Add it to the header row (key or label).',
    ),
    "unknown_column": ("未识别的列“{header}”，已忽略。", 'unrecognised column "{header}", ignored.'),
    "header_extra_text": (
        "列名“{header}”以“{label_zh}”开头，但多了其他文字，无法识别，该列不会被读取。请改为“{label_zh}”或“{key}”。",
        'header "{header}" starts with {label_en} but has more text, so it is not recognised and the column would not '
        'be read. Rename it "{key}" or "{label_zh}".',
    ),
    "duplicate_column": (
        "列名“{header}”与第 {other} 列“{other_header}”表示同一列，无法确定读取哪一列。请删除或改名其中一列。",
        'header "{header}" names the same column as column {other} ("{other_header}"); it is unclear which to '
        "read. Delete or rename one of them.",
    ),
    "header_unit_mismatch": (
        "“{header}”写明的单位为“{found}”，但{label_zh}的单位应为“{expected}”，数值不会换算。请将数值换算为{expected}，"
        "并将名称改为“{label_zh}”或“{label_zh}（{expected}）”。",
        '"{header}" states the unit "{found}", but {label_en} is in {expected}; values are not converted. Convert '
        'the values to {expected} and write "{key}" or "{key} ({expected})".',
    ),
    "header_unit_unexpected": (
        "“{header}”写明的单位为“{found}”，但{label_zh}是不带单位的数，数值不会换算。请填写不带单位的数，并将名称改为“{label_zh}”。",
        '"{header}" states the unit "{found}", but {label_en} takes a plain number without a unit; values are not '
        'converted. Enter plain numbers and write "{key}".',
    ),
    "data_without_header": (
        "第 {letter} 列有数据但没有列名（第一个在此），已忽略。如需读取请填写列名。",
        "column {letter} has values but no header (the first is here); ignored. Give it a header if it should be read.",
    ),
    "beyond_last_column": (
        "第 {letter} 列超出可读取的范围（只读取到第 {last} 列），其中的内容（共 {count} 列有内容，第一个在此）未读取。"
        "如需读取，请将其移到表内有列名的位置。",
        "column {letter} lies past the last column read ({last}); its contents ({count} such column(s), the first "
        "here) are not read. Move them into a column of the table, under a header, if they should be read.",
    ),
    "merged_header": (
        "合并单元格 {range} 跨越表头行。请取消合并：表头每列一个名称，数据从下一行开始。",
        "merged cells {range} span the header row. Unmerge them: one name per column in the header, data below.",
    ),
    # rows
    "totals_row_skipped": ("看起来是合计行（{found}），已跳过。", "looks like a totals row ({found}); skipped."),
    "footnote_row_skipped": ("看起来是表下的注释行（“{found}”），不是记录，已跳过。",
                             'looks like a note under the table ("{found}"), not a record; skipped.'),
    "row_without_data": ("该行只在未识别的列中有内容，已忽略。", "this row has content only in unrecognised columns; ignored."),
    # cells
    "required_blank": ("必填，应为{expected}，实际为空。", "required: expected {expected}, got a blank cell."),
    "bad_value": ("应为{expected}，实际为 {found}。", "expected {expected}, got {found}."),
    "out_of_range": ("应为{expected}，实际为 {found}。", "expected {expected}, got {found}."),
    "excel_error": (
        "应为{expected}，实际为 Excel 错误值 {found}。请修正该单元格的公式或直接填写数值。",
        "expected {expected}, got the Excel error {found}. Fix the cell's formula or type the value.",
    ),
    "date_in_number": (
        "应为{expected}，实际为日期 {found}（该单元格为日期格式，存放的数字是 {serial}）。如本意是 {serial}，"
        "请将单元格格式改为“常规”或“数值”。",
        "expected {expected}, got the date {found} (the cell is formatted as a date; it holds the number {serial}). "
        "If you meant {serial}, format the cell as General or Number.",
    ),
    "coerced_number": (
        "将 {found} 读作数字 {value}。如不正确请改为纯数字。",
        "read {found} as the number {value}. Type a plain number if that is wrong.",
    ),
    "coerced_year": (
        "该单元格为日期 {found}，读作年度 {value}。请改为纯数字年度。",
        "the cell holds the date {found}; read as the year {value}. Type the year as a plain number.",
    ),
    "merged_cell": (
        "位于合并单元格 {range} 中，无法确定取值属于哪一行或哪一列。请取消合并，在每个单元格分别填写。",
        "is inside merged cells {range}, so it is unclear which row or column the value belongs to. Unmerge them "
        "and fill in each cell.",
    ),
    "merged_fill_down": (
        "合并单元格 {range}：第{first}行的值用于第{first}–{last}行。请核对；最好取消合并并逐行填写。",
        "merged cells {range}: the value of row {first} is used for rows {first}–{last}. Check this; better "
        "unmerge and fill in each row.",
    ),
    "formula_no_value": (
        "是公式但没有计算结果（文件由不计算公式的程序保存）。请在 Excel 或 WPS 中打开并保存后重试，或直接填写数值。",
        "holds a formula without a computed value (the file was saved by a program that does not calculate "
        "formulas). Open it in Excel (or WPS) and save it, then validate again; or type the value.",
    ),
    "formula_values_used": (
        "本列有 {count} 个公式单元格（第一个在此），读取的是 Excel 最后一次计算的结果。",
        "this column holds {count} formula cell(s) (the first is here); the values Excel last calculated are used.",
    ),
    # settings
    "unknown_setting": ("未识别的参数“{found}”，已忽略。", 'unrecognised parameter "{found}", ignored.'),
    "duplicate_setting": (
        "参数“{key}”重复出现（第一次在第 {other} 行），取值相同，只读取一次。",
        'parameter "{key}" appears twice with the same value (first in row {other}).',
    ),
    "conflicting_setting": (
        "参数“{key}”重复出现且取值不同（第一次在第 {other} 行），无法确定使用哪一个。请只保留一行。",
        'parameter "{key}" appears again with a different value (first in row {other}); it is unclear which to '
        "use. Keep only one row.",
    ),
    "missing_setting": (
        "缺少该参数。请添加一行：第一列填写“{label_zh}”或“{key}”，第二列填写取值。",
        'the parameter is missing. Add a row with "{key}" in column A and its value in column B.',
    ),
    "setting_without_name": (
        "第二列有取值 {found}，但第一列没有参数名，已忽略。",
        "the value {found} has no parameter name in column A; ignored.",
    ),
    "weights_all_zero": (
        "五项权重（投资规模、亩均产值、亩均税收、能效、平台评价）不能全为0。请至少给一项正的权重。",
        "the five weights (investment, output per mu, tax per mu, energy efficiency, platform score) cannot all "
        "be 0. Give at least one a positive weight.",
    ),
    "phase_cycle": (
        "上一期项目编号 {found} 沿分期关系又回到本项目：一期不能排在自己之后。请改正分期关系。",
        "phase_of {found} leads back to this project: a phase cannot come after itself. Correct the phases.",
    ),
    "reward_lag_zero": (
        "奖励滞后年数为0，即在供地当年给予存量盘活奖励，但五(一)规定“在项目完成供地后下一年度”给予奖励。请填1或以上；"
        "确有经批准的例外时，将参数“存量盘活奖励当年兑现”设为“是”。",
        "a reward lag of 0 gives the stock-land reward in the year of supply, but clause 5(1) gives it \"in the year "
        "after supply\" (下一年度). Use 1 or more; for an approved exception, set same_year_reward to yes.",
    ),
    # records
    "duplicate_id": (
        "{key_text} 重复（第一次出现在第 {other} 行）。每个编号只能出现一次。",
        "{key_text} appears twice (first in row {other}). Each id must be unique.",
    ),
    "id_number_too_long": (
        "应为{expected}，实际为数字 {found}：Excel 只保留数字的前15位，这么长的编号作为数字保存时末尾几位已丢失。"
        "请将该列设为“文本”格式后重新输入编号。",
        "expected {expected}, got the number {found}: Excel keeps only 15 digits of a number, so an id this long "
        "has lost its last digits. Format the column as Text and type the ids again.",
    ),
    "near_duplicate_id": (
        "{key_text} 与第 {other} 行的 {other_text} 只有大小写或空格不同。本工具会当作两条记录，而 Excel（查找、删除重复项）"
        "视为同一编号。如是同一条，请删除其中一行；否则请改用明显不同的编号。",
        "{key_text} differs from {other_text} (row {other}) only in upper/lower case or spaces. They would be read "
        "as two records, while Excel (lookups, Remove Duplicates) treats them as one. Delete one row if they are the "
        "same; otherwise give them clearly different ids.",
    ),
    "confusable_id": (
        "{key_text} 与第 {other} 行的 {other_text} 看起来相同，但不是同一编号：{where_char}的“{char}”是{script}。"
        "请用键盘重新输入该编号；如是同一条，请删除其中一行。",
        '{key_text} looks the same as {other_text} (row {other}) but is a different id: the "{char}" in {where_char} '
        "is {script}. Retype the id on the keyboard; if they are the same record, delete one row.",
    ),
    "unknown_reference_look_alike": (
        "“{found}”不在“{ref_label}”({ref})表中。是否应为“{match}”？{where_char}的“{char}”是{script}，两者看起来相同但不是同一字符。"
        "请用键盘重新输入。",
        '"{found}" is not in the {ref} sheet. Did you mean {match}? The "{char}" {where_char} is {script}: the two '
        "look the same but are different characters. Retype it on the keyboard.",
    ),
    "objective_degenerate": (
        "所有可安排项目的综合得分均为 0：有权重的评分因素（{weighted}）中，{zero} 对所有项目都为 0。方案将无从比较项目的价值，"
        "只按微小的指标来源次序取舍，大量指标可能闲置。请为项目之间有差别的因素设置大于 0 的权重（参数表：{suggest}）。",
        "every eligible project scores 0: of the weighted criteria ({weighted}), {zero} is 0 for every project. The "
        "plan then has nothing to weigh projects by (only the tie-breaks between quota sources), and much quota may "
        "lie idle. Give a weight above 0 to a criterion the projects differ in (settings: {suggest}).",
    ),
    "variant_year_outside_horizon": (
        "限定年度 {found} 不在规划期 {first}–{last} 年内（参数表 base_year、horizon_years），变体“{variant}”的这一行不匹配任何"
        "年度，不会改变任何数值。请更正年度，或调整规划期。",
        "the year filter {found} lies outside the horizon {first}–{last} (settings base_year, horizon_years): this "
        'row of variant "{variant}" matches no year and changes nothing. Correct the year, or the horizon.',
    ),
    "too_long": (
        "过长：{length} 个字符，上限为 {limit} 个字符（{what}）。开头为“{found}”。请缩短。",
        'too long: {length} characters where at most {limit} are allowed ({what}); it begins "{found}". Shorten it.',
    ),
    "reference_is_a_name": (
        "“{found}”是“{ref_label}”({ref})表中 {match} 的名称，此处应填代码：请改为 {match}。",
        '"{found}" is the name of {match} in the {ref} sheet; this column takes its code: write {match}.',
    ),
    "unknown_reference": (
        "“{found}”不在“{ref_label}”({ref})表中（现有：{known}）。请先在该表中添加，或更正代码。",
        '"{found}" is not in the {ref} sheet (known: {known}). Add it there first, or correct the id.',
    ),
    "platform_district_mismatch": (
        "平台 {platform} 属于区县 {platform_district}，与项目所在区县 {found} 不一致。请更正平台或区县。",
        "platform {platform} belongs to district {platform_district}, not to the project's district {found}. "
        "Correct the platform or the district.",
    ),
    "rollover_year_outside": (
        "--year {found} 不在该方案的规划期 {first}–{last} 内：只能结转规划期内已执行的年度。",
        "--year {found} is outside the plan's horizon {first}–{last}: only a year of the plan can be rolled over.",
    ),
    "year_outside_horizon": (
        "年度 {found} 不在规划期 {first}–{last} 内，该行已忽略。",
        "year {found} is outside the planning horizon {first}–{last}; the row is ignored.",
    ),
    "quota_missing": (
        "缺少区县 {district} 在 {year} 年的指标行。请为每个区县、每个规划年度各填一行。",
        "no quota row for district {district} in {year}. Add one row per district and planning year.",
    ),
    "city_quota_missing": ("缺少 {year} 年的市级指标行，按0计。", "no city quota row for {year}; taken as 0."),
    "window_inverted": (
        "最早供地年度 {earliest} 晚于最晚供地年度 {latest}。请更正其中之一。",
        "earliest year {earliest} is after latest year {latest}. Correct one of them.",
    ),
    "window_past_horizon": (
        "{side}，该项目在本规划期内无法安排。如需安排，请更正年度或延长规划期。",
        "{side}: the project cannot be scheduled in this plan. Correct the year, or lengthen the horizon, if it "
        "should be.",
    ),
    "window_outside_horizon": (
        "供地年度区间 {earliest}–{latest} 与规划期 {first}–{last} 无交集，该项目不会被安排。",
        "the supply window {earliest}–{latest} misses the planning horizon {first}–{last}; the project cannot be "
        "scheduled.",
    ),
    "project_too_large": (
        "用地需求 {found} 亩超过任何年度可能的供给上限（约 {limit} 亩），该项目无法安排。",
        "land demand {found} mu exceeds anything that could ever supply it in one year (about {limit} mu); it "
        "cannot be scheduled.",
    ),
    "project_energy_too_large": (
        "年综合能耗 {found} 吨标准煤超过任何年度可能的能耗指标上限（约 {limit}），该项目无法安排。",
        "energy demand {found} tce exceeds any year's possible energy quota (about {limit} tce); it cannot be "
        "scheduled.",
    ),
    "mandatory_ineligible": ("必保项目不具备分配资格：{reason}", "mandatory project is not eligible: {reason}"),
    "actual_land_mismatch": (
        "项目 {project} 各来源合计 {found} 亩，与其用地需求 {expected} 亩不一致。",
        "the sources add up to {found} mu, not project {project}'s land demand of {expected} mu.",
    ),
    "actual_energy_mismatch": (
        "项目 {project} 能耗来源合计 {found} 吨标准煤，与其年综合能耗 {expected} 不一致。",
        "the energy sources add up to {found} tce, not project {project}'s energy demand of {expected} tce.",
    ),
    "actual_source_not_allowed": ("项目不能使用该来源：{reason}", "the project may not use this source: {reason}"),
    "actual_year_after_horizon": (
        "执行年度 {found} 晚于规划末年 {last}。规划期内的执行记录应在规划期内。",
        "the actual year {found} is after the last planning year {last}.",
    ),
    "variant_unknown_target": (
        "无法识别调整对象“{found}”。应为参数名（如 存量盘活奖励比例 或 reward_ratio）或“工作表.列”（如 市级年度指标.市级统筹能耗指标 或 "
        "city_quotas.city_energy_pool）。",
        'unknown target "{found}". Use a settings key (e.g. reward_ratio) or sheet.column (e.g. '
        "city_quotas.city_energy_pool).",
    ),
    "variant_bad_value": ("应为{expected}，实际为 {found}。", "expected {expected}, got {found}."),
    "variant_value": ("{target} 应为{expected}，实际为 {found}。", "{target} takes {expected}; got {found}."),
    "variant_factor": (
        "“乘以”的倍数应为{expected}，实际为 {found}（调整对象 {target}）。",
        "the factor to scale {target} by must be {expected}; got {found}.",
    ),
    "variant_scaled_out_of_range": (
        "{target} 乘以 {factor} 后为 {found}，超出范围：应为{expected}。请改用较小的倍数。",
        "{target} scaled by {factor} becomes {found}, out of range: expected {expected}. Use a smaller factor.",
    ),
    "variant_filter_not_applicable": (
        "“{target}”不分区县或年度，限定区县/年度无效。",
        '"{target}" has no district or year; the district/year filter does not apply.',
    ),
    "variant_unknown": ("没有名为“{found}”的方案变体。现有：{known}", 'there is no variant named "{found}". Known: {known}'),
    "variants_none": ("工作簿没有方案变体（该表为空或缺失），没有可与基准方案比较的方案。请先在此表中填写变体，或比较多个工作簿。",
                      "the workbook has no variants (this sheet is empty or missing), so there is nothing to compare "
                      "with the base case. Fill in variants on this sheet first, or compare several workbooks."),
    # the solver
    "solver_rejected_model": (
        "求解器 HiGHS 未接受模型（{status}）。工作簿已通过校验，这多半是本工具的缺陷：请加 --debug 重新运行并将输出报告给开发者。",
        "the solver HiGHS did not accept the model ({status}). The workbook passed validation, so this is most likely a "
        "fault of quota-opt: run again with --debug and report the output to the developers.",
    ),
    # the command line (cli.usage_problem: what click cannot parse, in the words of the line's --lang)
    # an option is a 命令行选项 / "command-line option", as bad_option and the --param refusals say
    "unknown_option": ("没有命令行选项 {option}{suggestion}。请运行 {help} 查看可用的选项。",
                       "there is no command-line option {option}{suggestion}. Run {help} to see the options."),
    "missing_argument": ("缺少参数 {argument}。请运行 {help} 查看用法。",
                         "the argument {argument} is missing. Run {help} to see the usage."),
    "missing_option": ("缺少必需的命令行选项 {option}。请运行 {help} 查看用法。",
                       "the command-line option {option} is required but missing. Run {help} to see the usage."),
    "option_needs_value": ("命令行选项 {option} 后面应有取值，实际没有。请在 {option} 后面写上取值。",
                           "command-line option {option} needs a value after it, and none was given. Write the value "
                           "after {option}."),
    "option_takes_no_value": ("命令行选项 {option} 是开关，不带取值。请只写 {option}，去掉“=”及其后的内容。",
                              'command-line option {option} is a switch and takes no value. Write just {option}, '
                              'without "=" and what follows.'),
    "unexpected_argument": (
        "多余的参数 {found}。请检查是否多写了文件名，或含空格的路径没有加引号。请运行 {help} 查看用法。",
        "unexpected extra argument(s) {found}. Check for a file name too many, or a path with spaces that needs "
        "quotes. Run {help} to see the usage.",
    ),
    "unknown_command": ("没有命令“{found}”{suggestion}。可用的命令：{known}。",
                        'there is no command "{found}"{suggestion}. The commands are: {known}.'),
    "missing_command": ("缺少命令。可用的命令：{known}。请运行 {help} 查看各命令的说明。",
                        "a command is missing. The commands are: {known}. Run {help} to see what each does."),
    "command_line_error": ("命令行有误：{detail}。请运行 {help} 查看用法。",
                           "the command line cannot be read: {detail}. Run {help} to see the usage."),
    # command-line options and output files
    "compare_one_case": (
        "只给出了一个工作簿（{file}），没有可比较的对象。请再给出至少一个方案或结果工作簿，或用 --variants all "
        "比较该方案的基准与各方案变体。",
        "only one workbook was given ({file}): there is nothing to compare it with. Give at least one more scenario "
        "or results workbook, or use --variants all to compare the scenario's base case with its variants.",
    ),
    "variants_one_workbook": (
        "--variants 只能用于一个方案工作簿，实际给出了 {count} 个。请只给出一个方案工作簿，或去掉 --variants 比较多个工作簿。",
        "--variants takes exactly one scenario workbook; {count} were given. Give one scenario workbook, or leave "
        "out --variants to compare several workbooks.",
    ),
    "variants_run_has_variant": (
        "作为基准的运行结果是在方案变体“{variant}”下算出的，不能再与该方案的各变体比较。请给出未套用变体的运行结果，"
        "或方案工作簿本身。",
        "the run given as the base was computed under the variant \"{variant}\", so the scenario's variants cannot be "
        "compared against it. Give a run without a variant, or the scenario workbook itself.",
    ),
    "results_scenario_not_found": (
        "找不到结果 {results} 对应的方案工作簿（{scenario}），请用 --scenario 指定。",
        "cannot find the scenario workbook of {results} ({scenario}); pass it with --scenario.",
    ),
    "results_variant_missing": (
        "结果 {results} 是在方案变体“{variant}”下计算的，但方案工作簿 {scenario} 中已没有该变体（现有：{known}），"
        "无法还原该方案所依据的参数和指标。请在此表中恢复该变体（名称同结果工作簿概览表的“方案变体”），或用 --scenario "
        "指定计算该结果时所用的方案工作簿。",
        '{results} was computed under variant "{variant}", which the scenario workbook {scenario} no longer has '
        "(known: {known}), so the settings and quotas its plan was computed with cannot be restored. Restore it "
        "on this sheet under that name (the results' summary gives it as Variant), or pass the workbook the results "
        "were computed from with --scenario.",
    ),
    "dask_not_installed": (
        "--dask 需要 Dask distributed，本机未安装。请用 pip install 'quota-opt[dask]' 安装，或去掉 --dask 在本机计算。",
        "--dask needs Dask distributed, which is not installed. Install it with pip install 'quota-opt[dask]', or "
        "leave out --dask to solve on this machine.",
    ),
    "dask_unreachable": (
        "无法连接 Dask 调度器 {address}（{detail}）。请检查 --dask 的地址以及调度器是否已启动，或去掉 --dask 在本机计算。",
        "cannot reach the Dask scheduler at {address} ({detail}). Check the --dask address and that the scheduler "
        "is running, or leave out --dask to solve on this machine.",
    ),
    "case_without_scenario": ("情形“{case}”没有可求解的方案（应为读取并校验过的方案）。",
                              'case "{case}" has no scenario to solve (expected a scenario read and validated).'),
    "compare_no_cases": ("没有可比较的情形（情形列表为空）。", "there is nothing to compare (the list of cases is empty)."),
    "bad_option": ("命令行选项 {option}：应为{expected}，实际为 {found}。",  # as the --param messages below
                   "command-line option {option}: expected {expected}, got {found}."),
    # the same of a field of the workbench's forms, named as the form labels it (pipeline.field_problems)
    "bad_field": ("“{field}”：应为{expected}，实际为 {found}。", "{field}: expected {expected}, got {found}."),
    # the same of a library call's keyword (compare.run_cases(workers=0)), which no command line gave
    "bad_argument": ("选项 {option}：应为{expected}，实际为 {found}。", "option {option}: expected {expected}, got {found}."),
    # sweeps (sweep.parse_param: a --param's spec, typed on the command line; sweep_grid: the grid;
    # compare.Tradeoff: --x, --y)
    "param_syntax": ("{given}：应为 参数=起:止:步长 或 参数=值1,值2。",
                     "{given}: expected key=start:stop:step or key=v1,v2."),
    "param_unknown": ("{given}：未知或不可扫描的参数“{found}”；可用：{allowed}。",
                      "{given}: unknown or unsweepable setting '{found}'; use one of: "
                      "{allowed}."),
    "param_no_values": ("{given}：缺少取值。", "{given}: no values given."),
    "param_range_form": ("{given}：区间写法 起:止:步长 需要三个数，且只适用于数值参数。",
                         "{given}: start:stop:step needs three numbers and a numeric "
                         "setting."),
    "param_range_numbers": ("{given}：起、止和步长应为数。",
                            "{given}: start, stop and step must be numbers."),
    "param_range_not_finite": ("{given}：区间无效（起、止和步长应为有限的数）。",
                               "{given}: invalid range (start, stop and step must be "
                               "finite numbers)."),
    "param_step_zero": ("{given}：区间无效（步长不能为 0）。",
                        "{given}: invalid range (step must not be 0)."),
    "param_step_away": ("{given}：区间无效（步长的方向背离终点：起点小于终点时步长应为正，反之为负）。",
                        "{given}: invalid range (step moves away from stop)."),
    "param_too_many_values": ("{given}：区间无效（共 {count} 个取值，最多 {max} 个）。",
                              "{given}: invalid range ({count} values; at most {max})."),
    "param_empty_item": ("{given}：取值列表中有空项。",
                         "{given}: empty item in the list."),
    "param_value": ("{given}，参数 {setting}：应为{expected}，实际为 {found}。",
                    "{given}, setting {setting}: expected {expected}, got {found}."),
    "param_repeated": ("命令行选项 --param 多次给出同一参数：{keys}。每个参数只能用一个 --param。",
                       "command-line option --param gives the same setting more than once: {keys}. Give each "
                       "setting in one --param."),
    "sweep_too_many_points": ("命令行选项 --param 的取值共组合出 {size} 个扫描点，超过上限 {max} 个。请减少取值。",
                              "the values of the command-line options --param make {size} sweep points; at most {max}. "
                              "Give fewer values."),
    "sweep_no_params": ("没有要扫描的参数（用 --param 指定）。", "nothing to sweep (give at least one --param)."),
    "unknown_kpi": ("命令行选项 {option}：未知指标“{found}”；可用：{allowed}。",
                    "command-line option {option}: unknown KPI '{found}'; use one of: {allowed}."),
    # the write guard (core.files.target_problems): {what} is what the file there is (FILE_WORDS), {kind} what
    # the command writes, {role} what the command reads the input as (ROLE_WORDS)
    "output_exists": (
        "{option} {path} 已存在，是{what}，未覆盖（本命令只替换本工具写出的{kind}）。如确要替换，请加 --force；否则请另选文件名。",
        "{option} {path} already exists and is {what}; it was left as it is (this command replaces only {kind} "
        "written by quota-opt). Add --force to replace it, or choose another name.",
    ),
    "output_is_input": (
        "{option} {path} 是本命令读取的{role}（{input}），输入文件从不被覆盖（加 --force 也不会）。请另选文件名。",
        "{option} {path} is {role} ({input}), which this command reads; an input is never written over, not "
        "even with --force. Choose another name.",
    ),
    "outputs_clash": (
        "{option} {path} 与本命令的另一个输出 {other} 是同一个文件。请为两者分别指定文件名。",
        "{option} {path} is the same file as another output of this command, {other}. Give each its own name.",
    ),
    "output_is_folder": (
        "{option} {path} 是一个文件夹，不能写成文件。请给出文件名。",
        "{option} {path} is a folder, which cannot be written as a file. Give a file name.",
    ),
    # a results workbook read back (input.results_read)
    "results_sources_mismatch": (
        "该行{quantity}各来源之和为 {total}（{sources}），与{demand_label} {demand} 不符：该行可能被手工修改过。"
        "请恢复该行，或重新运行 run 得出结果。",
        "the {quantity} sources on this row add up to {total} ({sources}), not the {demand_label} {demand}: the "
        "row may have been edited by hand. Restore it, or run again to make the results afresh.",
    ),
    "results_unselected_supplied": (
        "该项目未安排，却有{quantity}来源共 {total}（{sources}）：该行可能被手工修改过。请将“是否安排”改为“是”并填写供地年度，"
        "或将这些来源清零。",
        "this project is not selected, yet its {quantity} sources add up to {total} ({sources}): the row may have "
        "been edited by hand. Mark it selected with its year, or set these sources to 0.",
    ),
    "rollover_scenario_changed": (
        "提示：{scenario} 与计算 {results} 时所用的方案工作簿内容不同（SHA-256 不符，可能是另一方案或之后修改过）；"
        "请确认该结果确实是该方案的采用方案。",
        "Warning: {scenario} is not the workbook {results} was computed from (its SHA-256 differs: another "
        "scenario, or edited since); check that these results are the plan adopted for it.",
    ),
    "explain_scenario_changed": (
        "提示：{scenario} 与计算 {results} 时所用的方案工作簿内容不同（SHA-256 不符，可能是另一方案或之后修改过）；"
        "下面的项目数据和临界值按该方案现在的内容计算，可能与结果工作簿中的数字不一致。",
        "Warning: {scenario} is not the workbook {results} was computed from (its SHA-256 differs: another "
        "scenario, or edited since); the project's figures and thresholds below are computed from the scenario as "
        "it is now, and may differ from those in the results.",
    ),
    "output_not_xlsx": (
        "{option} 应为 .xlsx 文件名（本工具写出的是 Excel 工作簿），实际为 {path}。请改用 .xlsx 结尾的文件名。",
        "{option} should be an .xlsx file name (the tool writes an Excel workbook), got {path}. Use a name ending "
        "in .xlsx.",
    ),
}

# What an existing file is, as the write guard names it (core.files.describe).
FILE_WORDS: dict[str, dict[str, str]] = {
    "results": {"zh": "本工具写出的结果工作簿", "en": "a results workbook written by quota-opt"},
    "comparison": {"zh": "本工具写出的比较工作簿", "en": "a comparison workbook written by quota-opt"},
    "scenario": {"zh": "本工具写出、尚未修改的方案工作簿", "en": "a scenario workbook written by quota-opt and not "
                 "edited since"},
    "annotated": {"zh": "本工具写出的标注副本", "en": "an annotated copy written by quota-opt"},
    "model": {"zh": "本工具导出的模型文件", "en": "a model file exported by quota-opt"},
    "scenario_edited": {"zh": "本工具写出后又经填写或修改的方案工作簿", "en": "a scenario workbook filled in or edited "
                        "since quota-opt wrote it"},
    "scenario_foreign": {"zh": "方案工作簿（非本工具写出）", "en": "a scenario workbook (not written by quota-opt)"},
    "workbook": {"zh": "非本工具写出的 Excel 工作簿", "en": "an Excel workbook quota-opt did not write"},
    "model_foreign": {"zh": "非本工具导出的模型文件", "en": "a model file quota-opt did not export"},
    "file": {"zh": "非本工具写出的文件", "en": "a file quota-opt did not write"},
    "folder": {"zh": "文件夹", "en": "a folder"},
}
# What a command writes (core.files.Kind), as the guard's refusal says what it would replace.
KIND_WORDS: dict[str, dict[str, str]] = {
    "results": {"zh": "结果工作簿", "en": "results workbooks"},
    "comparison": {"zh": "比较工作簿", "en": "comparison workbooks"},
    "scenario": {"zh": "未经修改的方案工作簿", "en": "scenario workbooks not edited since"},
    "annotated": {"zh": "标注副本", "en": "annotated copies"},
    "model": {"zh": "模型文件", "en": "model files"},
    "new": {"zh": "文件（不替换任何已有文件）", "en": "files (it replaces none)"},
}
# What a command reads a file as, for the guard's refusal to write over it.
ROLE_WORDS: dict[str, dict[str, str]] = {
    "scenario": {"zh": "方案工作簿", "en": "the scenario workbook"},
    "results": {"zh": "结果工作簿", "en": "the results workbook"},
    "compared": {"zh": "比较对象工作簿", "en": "one of the workbooks being compared"},
    "input": {"zh": "输入文件", "en": "an input file"},
}

# Codes whose `found` is a cell value, shown quoted ("abc", 12, TRUE, 2026-01-01, (blank)).
_QUOTED = {"bad_value", "out_of_range", "coerced_number", "variant_bad_value", "setting_without_name", "excel_error",
           "totals_row_skipped", "variant_value", "variant_factor", "variant_scaled_out_of_range", "param_value"}
_MAX_SHOWN = 60  # characters of a cell value shown in a message
_OWN_TEXT = {"expected", "reason", "columns", "code", "allowed"}  # parameters written by the product, shown as they are
_LIMITS = {"path": 300, "workbook": 300, "detail": 300, "key_text": 200, "other_text": 200, "spec": 300, "given": 340}


def _clean(text: str, limit: int = 120) -> str:
    """User text made safe to show: control characters escaped, long text cut (with its length)."""
    out = "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)
    if len(out) > limit:
        return f"{out[:limit]}…({len(text)})"
    return out


def quote_value(value: Any, lang: str = "en") -> str:
    """A cell value as a message shows it: "abc", 12, 0.5, TRUE, 2026-01-01, (blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "（空）" if lang == "zh" else "(blank)"
    if isinstance(value, str):
        return f'"{_clean(value.strip(), _MAX_SHOWN)}"'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return f"{int(value)}"
        return repr(value)
    if isinstance(value, int):
        return _clean(str(value), 30)
    return _clean(str(value), _MAX_SHOWN)


def _num(x: float | None) -> str:
    if x is None:
        return ""
    if float(x).is_integer():
        return f"{int(x):,}" if abs(x) >= 10_000 else f"{int(x)}"
    return f"{x:g}"


# A maximum up to this is a real limit worth stating (a 0–100 score, a 0–1 share); larger ones are
# sanity bounds against typing errors, mentioned only when a value exceeds them.
_STATED_MAXIMUM = 1000.0


def expected_words(column: Column, *, full: bool = False) -> dict[str, str]:
    """`expected_phrase` in both languages, as a problem's `expected` parameter."""
    return {lang: expected_phrase(column, lang, full=full) for lang in LANGS}


def expected_phrase(column: Column, lang: str, *, full: bool = False) -> str:
    """What a valid cell of this column looks like, with the unit a number is in: "大于0的数（单位：亿元）" / "a
    number > 0 (in 100M yuan)" (an official who typed "约两亿" learns to type 2).

    `full` states the maximum even when it is only a sanity bound (for values above it).
    """
    phrase = _bounds_phrase(column, lang, full=full)
    unit = column.unit(lang) if column.type in (ColumnType.INT, ColumnType.FLOAT) else ""
    if not unit:
        return phrase
    return f"{phrase}（单位：{unit}）" if lang == "zh" else f"{phrase} (in {unit})"


def _bounds_phrase(column: Column, lang: str, *, full: bool = False) -> str:
    """`expected_phrase` without the unit."""
    t = column.type
    zh = lang == "zh"
    if t is ColumnType.BOOL:
        return f"是/否（{yes_no_words(lang)}）" if zh else f"yes/no ({yes_no_words(lang)})"
    if t is ColumnType.CHOICE:
        opts = " / ".join(c.label_zh if zh else c.key for c in column.choices)  # each also read by the other
        return f"以下之一：{opts}" if zh else f"one of: {opts}"
    if t is ColumnType.ID:
        return "代码（文本或数字）" if zh else "an id (text or a number)"
    if t is ColumnType.TEXT:
        return "非空文本" if zh else "a non-blank text"
    if t is ColumnType.ID_LIST:
        return "一个或多个代码，用逗号或顿号分隔" if zh else "one or more ids separated by commas"
    lo, hi = column.minimum, column.maximum
    if t is ColumnType.YEAR:
        lo_y, hi_y = _num(lo if lo is not None else 1990), _num(hi if hi is not None else 2100)
        return f"{lo_y}至{hi_y}之间的四位数年度（如 2026）" if zh else f"a year from {lo_y} to {hi_y} (e.g. 2026)"
    kind_zh = {"int": "整数", "float": "数"}[t.value]
    kind_en = {"int": "a whole number", "float": "a number"}[t.value]
    if hi is not None and not full and hi > _STATED_MAXIMUM:
        hi = None
    exclusive = column.minimum_exclusive
    zero = ""  # "0 or ", when a value other than 0 is at least `smallest`
    if column.smallest is not None:
        lo, exclusive, zero = column.smallest, False, "0或" if zh else "0 or "
    if zh:
        if lo is not None and hi is not None:
            left = "大于" if exclusive else "不小于"
            return f"{zero}{left}{_num(lo)}且不大于{_num(hi)}的{kind_zh}"
        if lo is not None:
            return f"{zero}{'大于' if exclusive else '不小于'}{_num(lo)}的{kind_zh}"
        if hi is not None:
            return f"不大于{_num(hi)}的{kind_zh}"
        return kind_zh
    if lo is not None and hi is not None:
        return f"{zero}{kind_en} {'>' if exclusive else '≥'} {_num(lo)} and ≤ {_num(hi)}"
    if lo is not None:
        return f"{zero}{kind_en} {'>' if exclusive else '≥'} {_num(lo)}"
    if hi is not None:
        return f"{kind_en} ≤ {_num(hi)}"
    return kind_en


def render_location(where: Location, lang: str) -> str:
    """"工作表 项目(projects)，第12行，用地需求(land_demand)，单元格 G12" /
    "sheet projects, row 12, land_demand (Land demand), cell G12"."""
    parts: list[str] = []
    sheet: Any = _sheet(where.sheet)
    zh = lang == "zh"
    if where.sheet or where.sheet_name:
        shown = _clean(where.sheet_name, 40) if where.sheet_name else (sheet.name(lang) if sheet else where.sheet)
        if sheet is not None and shown != sheet.key:
            extra = f"({sheet.key})" if zh else f" ({sheet.key})"
        elif sheet is not None and zh:
            extra = f"({sheet.label_zh})"
        else:
            extra = ""
        parts.append(f"工作表 {shown}{extra}" if zh else f"sheet {shown}{extra}")
    if where.row is not None:
        parts.append(f"第{where.row}行" if zh else f"row {where.row}")
    if where.column:
        col = sheet.column(where.column) if sheet and sheet.has_column(where.column) else None
        if col is not None:
            parts.append(f"{col.label_zh}({col.key})" if zh else f"{col.key} ({col.label_en})")
        else:
            parts.append(where.column)
    if where.cell:
        parts.append(f"单元格 {where.cell}" if zh else f"cell {where.cell}")
    return ("，" if zh else ", ").join(parts)


def sheet_words(key: str, lang: str) -> str:
    """A sheet (scenario or results) named in a sentence, as the workbook written in `lang` names it:
    "“上年执行”表(actuals)" / "the actuals sheet"."""
    sheet: Any = _sheet(key)
    return f"“{sheet.label_zh}”表({sheet.key})" if lang == "zh" else f"the {sheet.key} sheet"


def column_words(sheet_key: str, keys: Sequence[str]) -> dict[str, str]:
    """Columns of a sheet (scenario or results) named in a sentence, as a {zh, en} parameter: in zh by label and
    key, as a location names a column ("区县代码(district_id)、年度(year)"), in en by key ("district_id, year")."""
    sheet: Any = _sheet(sheet_key)
    return {"zh": "、".join(f"{sheet.column(k).label_zh}({k})" for k in keys), "en": ", ".join(keys)}


def _sheet(key: str | None) -> Any:
    """A sheet by key: a scenario's (`schema.py`), else a results workbook's (`results_schema.py`, for a problem found
    reading one back: `explain`, `compare`, `rollover`); None for others. The scenario's sheets come first:
    `districts` is both."""
    return SHEETS_BY_KEY.get(key or "") or next((s for s in RESULT_SHEETS if s.key == key), None)


def _column_of(where: Location) -> Column | None:
    sheet = SHEETS_BY_KEY.get(where.sheet or "")
    if sheet and where.column and sheet.has_column(where.column):
        return sheet.column(where.column)
    return None


class _Params(dict[str, Any]):
    """Format parameters that show a missing one as "?" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def solves_text(solves: int, skipped: int, seconds: float, lang: str) -> str:
    """How many re-solves an explanation took (EXPLAIN_WORDS "solves"), and how many the LP bound settled when any
    did."""
    pick = 0 if lang == "zh" else 1
    text = EXPLAIN_WORDS["solves"][pick].format(solves=solves, seconds=seconds)
    if skipped:
        text += ("" if lang == "zh" else " ") + EXPLAIN_WORDS["solves_skipped"][pick].format(skipped=skipped)
    return text


# Where a swept setting's values were given, as the param_… messages open: typed on the command line (`--param`)
# or on the workbench's sweep form, where a bureau official picked the setting and typed the values
PARAM_GIVEN = {"command line": ("命令行选项 --param {spec}", "command-line option --param {spec}"),
               "form": ("参数扫描“{setting}”的取值 {values}", "the sweep of {setting}, values {values}")}


def param_given(spec: str, given_on: str = "command line", setting: dict[str, str] | None = None) -> dict[str, str]:
    """The opening of a param_… message for `spec` (key=values) given on `given_on` (a key of PARAM_GIVEN), the
    setting named by `setting` (zh and en; by default as typed)."""
    key, _, values = (part.strip() for part in spec.partition("="))
    zh, en = PARAM_GIVEN[given_on]
    named = setting or {"zh": key, "en": key}
    return {lang: text.format(spec=spec, values=values, setting=named[lang]) for lang, text in (("zh", zh), ("en", en))}


def render_problem(problem: Problem, lang: str) -> str:
    """The full message: location, then what was expected, what was found and how to fix it."""
    lang = check_lang(lang)
    zh, en = TEMPLATES.get(problem.code, ("{code}", "{code}"))
    template = zh if lang == "zh" else en
    params = _Params(problem.params)
    params.setdefault("code", problem.code)
    for k, v in list(params.items()):
        if isinstance(v, dict) and set(v) == {"zh", "en"}:
            params[k] = v[lang]
    col = _column_of(problem.where)
    if "expected" not in params:
        params["expected"] = expected_phrase(col, lang, full=bool(params.get("too_large"))) if col else "?"
    if problem.code in _QUOTED:
        params["found"] = quote_value(problem.params.get("found"), lang)
    for k, v in list(params.items()):
        if isinstance(v, str) and k not in _OWN_TEXT and not (k == "found" and problem.code in _QUOTED):
            params[k] = _clean(v, _LIMITS.get(k, 120))
    body = template.format_map(params)
    where = render_location(problem.where, lang)
    if not where:
        return body
    return f"{where}：{body}" if lang == "zh" else f"{where}: {body}"


def severity_word(problem: Problem, lang: str) -> str:
    if problem.is_error:
        return "错误" if lang == "zh" else "error"
    return "提示" if lang == "zh" else "warning"
