"""Names in the language of the report: what a zh workbook or console says reads as Chinese, an en one as English,
and the console names a thing as the workbooks do."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from quota_opt.cli.app import app
from quota_opt.core.schema import SETTINGS
from quota_opt.output.template import write_scenario
from quota_opt.prepare import validate_workbook


def _setting(path: Path, key: str) -> object:
    """The value a scenario workbook's settings sheet gives `key` (its row named by the key or its label)."""
    ws = openpyxl.load_workbook(path).worksheets[1]
    names = {SETTINGS.column(key).header("zh"), key}
    return next(row[1] for row in ws.iter_rows(values_only=True) if row[0] in names)


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "template_name", "generated_name"), [
    ("zh", "方案", "生成的示例方案（12个项目、3个区县、2个年度，种子5）"),
    ("en", "scenario", "generated 12x3x2 seed 5"),
])
def test_template_and_generated_scenarios_are_named_in_the_workbooks_language(runner: CliRunner,
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


def _table_text(table: object, width: int) -> str:
    import io

    from rich.console import Console

    screen = io.StringIO()
    Console(file=screen, width=width, color_system=None).print(table)
    return screen.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sweep_and_compare_name_settings_and_kpis_on_the_console_as_the_workbook_does(runner: CliRunner, tmp_path: Path,
                                                                                     lang: str) -> None:
    """A swept setting is named as the sweep workbook's cases sheet names its column (权重：亩均产值 in zh, the key
    w_output_per_mu in en), in the case names (progress lines, the workbook's case column) and in the console
    table's head; in zh they said w_output_per_mu=0. The console's KPI columns carry the workbook's names and units:
    in zh 亩均产值 had no unit where the workbook says 平均亩均产值(万元/亩). On a narrow console a long Chinese head
    or name wraps rather than being cut to "亩均 …"."""
    from builders import project, tiny
    from quota_opt.output.compare_workbook import CASES, kpi_label, kpi_title
    from quota_opt.output.template import write_scenario
    from quota_opt.studies import compare as cmp
    from quota_opt.studies.sweep import parse_params

    sc = tiny([project("A", 60, investment=10), project("B", 50, investment=8)],
              quotas={("A", 2026): {"new_land_quota": 100}})
    path = write_scenario(sc, tmp_path / "s.xlsx", lang)
    res = runner.invoke(app, ["sweep", str(path), "--param", "w_output_per_mu=0,1", "--lang", lang,
                              "--workers", "1"])
    assert res.exit_code == 0, res.output
    setting = "权重：亩均产值" if lang == "zh" else "w_output_per_mu"
    assert f"{setting}=0: " in res.output and f"{setting}=1: " in res.output, res.output
    ws = openpyxl.load_workbook(tmp_path / "s_sweep.xlsx")[CASES.name(lang)]
    head = [c.value for c in ws[1]]
    assert setting in head
    assert [ws.cell(row=r, column=1).value for r in (2, 3)] == [f"{setting}=0", f"{setting}=1"]

    cases = cmp.sweep_cases(sc, parse_params(["w_output_per_mu=0,1"]), lang=lang)
    results = cmp.run_cases(cases, workers=1)
    wide = _table_text(cmp.summary_table(results, lang), 250)
    assert setting in next(line for line in wide.splitlines() if line.startswith("┃"))
    for key in ("investment_selected", "average_output_per_mu", "mu_to_request"):
        name = kpi_label(key, lang) if lang == "zh" else kpi_title(key, lang)
        assert name in wide, (name, wide)
    assert ("平均亩均产值(万元/亩)" if lang == "zh" else "Average output per mu (10k yuan/mu)") in wide
    narrow = _table_text(cmp.summary_table(results, lang), 80)
    assert "…" not in narrow, narrow


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", "区县指标9.7+存量建设用地10.0亩；区县能耗2,130+市级统筹能耗22,261吨标准煤"),
    ("en", "district quota 9.7 + stock land 10.0 mu; district budget 2,130 tce"),
])
def test_compare_sources_give_every_amount_of_a_unit_in_one_format(lang: str, expected: str) -> None:
    """compare's 指标来源 gives mu with one decimal and tce whole, as the results workbook's number formats do: it
    read 区县指标9.7+存量建设用地10亩 (and 48亩 next to 38.8亩), a whole mu without its decimal."""
    from quota_opt.studies.compare import sources_text

    row = {"land_district_quota": 9.7, "land_stock": 10.0, "energy_district": 2130.0}
    if lang == "zh":
        row["energy_city_pool"] = 22261.4
    assert sources_text(row, lang) == expected


@pytest.mark.slow
def test_the_city_energy_pool_has_one_english_name(runner: CliRunner, tmp_path: Path) -> None:
    """In English the city energy pool is the "city energy pool" (reasons.QUOTA_NAMES) wherever a column or a text
    names it: it was "Energy: city pool" (allocation, actuals), "Energy used: city pool" (districts), "Energy from
    city pool (tce)" (summary), "energy used: city pool" (charts) and "city pool" in compare's and the reasons'
    sources. The former labels still read (results: the allocation's and districts' columns; scenario: actuals)."""
    import re

    from builders import project, tiny
    from quota_opt.core import results_schema as outputs
    from quota_opt.core.schema import ACTUALS, match_column
    from quota_opt.input.results_read import read_results
    from quota_opt.interpret import reasons
    from quota_opt.studies import compare

    texts = [c.label_en for sheet in (outputs.ALLOCATION, outputs.DISTRICTS, outputs.CITY) for c in sheet.columns]
    texts += [en for _zh, en, _fmt in outputs.SUMMARY_ROWS.values()]
    texts += [c.label_en for c in ACTUALS.columns]
    texts += [en for _zh, en in (*compare.SOURCE_WORDS.values(), *reasons.SOURCE_WORDS.values())]
    assert reasons.QUOTA_NAMES["city_energy_pool"][1] == "city energy pool"
    pools = [t for t in texts if re.search(r"city\b.*\bpool", t, re.IGNORECASE)]
    assert len(pools) >= 6 and all("city energy pool" in t.lower() for t in pools), pools
    assert compare.sources_text({"energy_city_pool": 300.0}, "en") == "city energy pool 300 tce"
    assert match_column(ACTUALS, "Energy: city pool") is ACTUALS.column("energy_city_pool")

    sc = tiny([project("F", 50, investment=10, energy=150)], quotas={("A", 2026): {"new_land_quota": 100,
                                                                                    "energy_budget": 0}},
              city={2026: {"city_energy_pool": 200}})
    write_scenario(sc, tmp_path / "s.xlsx", "en")
    assert runner.invoke(app, ["run", str(tmp_path / "s.xlsx"), "--lang", "en"]).exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "s_results.xlsx")
    charts = [c.value for c in wb[outputs.CHARTS.name("en")][1]]
    assert "energy used: city energy pool" in charts, charts
    former = {outputs.ALLOCATION: "Energy: city pool", outputs.DISTRICTS: "Energy used: city pool"}
    for sheet, label in former.items():
        header = [c.value for c in wb[sheet.key][1]]
        wb[sheet.key].cell(row=1, column=header.index("energy_city_pool") + 1, value=label)
    wb.save(tmp_path / "old_results.xlsx")
    new, old = read_results(tmp_path / "s_results.xlsx"), read_results(tmp_path / "old_results.xlsx")
    assert old.allocation.set_index("project_id").at["F", "energy_city_pool"] == pytest.approx(150)
    for table in ("allocation", "districts"):
        assert getattr(old, table).equals(getattr(new, table)), table


@pytest.mark.parametrize(("lang", "bad", "param"), [
    ("zh", '命令行选项 --threads：应为整数，实际为 "abc"。', "命令行选项 --param x=1："),
    ("en", 'command-line option --threads: expected a whole number, got "abc".', "command-line option --param x=1:"),
])
def test_a_bad_option_reads_as_a_bad_param(runner: CliRunner, tmp_path: Path, lang: str, bad: str, param: str) -> None:
    """An option's value out of type or bounds is said of the command-line option, as a --param's is: it read
    选项 --threads：… / "option --threads: …" next to 命令行选项 --param …."""
    res = runner.invoke(app, ["run", str(tmp_path / "x.xlsx"), "--threads", "abc", "--lang", lang])
    assert res.exit_code != 0 and bad in res.output, res.output
    path = write_scenario_for(tmp_path)
    res = runner.invoke(app, ["sweep", str(path), "--param", "x=1", "--lang", lang])
    assert res.exit_code == 1 and param in res.output, res.output


def write_scenario_for(tmp_path: Path) -> Path:
    from builders import project, tiny

    return write_scenario(tiny([project("A", 10)]), tmp_path / "s.xlsx", "zh")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_names_a_projects_facts_as_the_allocation_sheet_does(runner: CliRunner, tmp_path: Path, lang: str) -> None:
    """explain's facts line names the score, the land and the energy as the allocation sheet heads them (综合得分,
    用地需求, 年综合能耗; en Score, Land demand, Energy demand), as its threshold table does: it said 得分, 用地,
    能耗 (score, land, energy). Its table's Chinese cells wrap on an 80-column console rather than being cut to
    "在搜索范围内不会改 …" (they were; English wraps at its spaces)."""
    from builders import project, tiny

    sc = tiny([project("A", 60, investment=10), project("B", 50, investment=8)],
              quotas={("A", 2026): {"new_land_quota": 100}})
    path = write_scenario(sc, tmp_path / "s.xlsx", lang)
    assert runner.invoke(app, ["run", str(path), "--lang", lang]).exit_code == 0
    res = runner.invoke(app, ["explain", str(tmp_path / "s_results.xlsx"), "B", "--lang", lang],
                        env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    facts = ("综合得分 ", "用地需求 50.0 亩", "年综合能耗 ") if lang == "zh" else ("score ", "land demand 50.0 mu",
                                                                            "energy demand ")
    line = next(x for x in res.output.splitlines() if facts[1] in x)
    assert all(f in line for f in facts), res.output
    assert "…" not in res.output, res.output


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", ["没有命令行选项 --bogus。", "命令行选项 --threads 后面应有取值", "命令行选项 --force 是开关，不带取值。",
            "缺少必需的命令行选项 --output / -o。", "命令行选项 --x：未知指标"]),
    ("en", ["there is no command-line option --bogus.", "command-line option --threads needs a value after it",
            "command-line option --force is a switch and takes no value.",
            "the command-line option --output / -o is required but missing.", "command-line option --x: unknown KPI"]),
])
def test_every_command_line_option_message_says_command_line_option(runner: CliRunner, tmp_path: Path, lang: str,
                                                                     expected: list[str]) -> None:
    """The usage messages name an option as bad_option and the --param refusals do (命令行选项 --threads：… /
    "command-line option --threads: …"): they said 没有选项 --bogus, 选项 --threads 后面应有取值, 选项 --force 是开关,
    缺少必需的选项 --output, and sweep's 选项 --x：未知指标 (en "option --x", "the option --output")."""
    path = write_scenario_for(tmp_path)
    lines = [["run", str(path), "--bogus"], ["run", str(path), "--threads"],
             ["template", "-o", str(tmp_path / "t.xlsx"), "--force=yes"], ["template"],
             ["sweep", str(path), "--param", "w_output_per_mu=0,1", "--x", "foo"]]
    for line, words in zip(lines, expected, strict=True):
        res = runner.invoke(app, [line[0], "--lang", lang, *line[1:]])
        assert res.exit_code != 0 and words in res.output, (line, res.output)
        bare = res.output.replace("命令行选项", "").replace("command-line option", "")
        assert "选项 --" not in bare and "option --" not in bare, (line, res.output)


@pytest.mark.slow
def test_a_tradeoff_kpi_is_named_as_the_workbook_names_it(runner: CliRunner, tmp_path: Path) -> None:
    """sweep's --x/--y take a KPI as the comparison workbook names it (its summary-sheet label, zh or en, with or
    without the unit) as well as its key, as --param takes a setting's label; in zh a refusal lists the KPIs by
    their Chinese names with the key, as param_value names a setting (存量盘活奖励比例(reward_ratio)). It took keys
    only and listed them in zh too: 可用：objective, gap, value_vs_ranking_rule, …."""
    from quota_opt.core.errors import InputError
    from quota_opt.studies.compare import COMPARED_KPIS, Tradeoff

    assert Tradeoff.parse("平均亩均产值", "-需向省争取指标(亩)") == Tradeoff("average_output_per_mu", "mu_to_request",
                                                                  True, False)
    assert Tradeoff.parse("Investment selected (100M yuan)", "-能耗：市级统筹") == Tradeoff(
        "investment_selected", "energy_city_pool_total", True, False)
    assert Tradeoff.parse(" -average_output_per_mu", "安排比例(占具备资格项目)") == Tradeoff(
        "average_output_per_mu", "selected_share", False, True)
    for key in COMPARED_KPIS:  # every name given to one KPI is no other KPI's name
        assert Tradeoff.parse(key, key) == Tradeoff(key, key)
    with pytest.raises(InputError) as info:
        Tradeoff.parse("亩均产值", "objective")
    zh, en = info.value.report("zh"), info.value.report("en")
    assert "命令行选项 --x：未知指标“亩均产值”；可用：目标值(objective)、最优性间隙(gap)、" in zh, zh
    assert "、平均亩均产值(average_output_per_mu)、" in zh and ", gap," not in zh, zh
    assert "use one of: objective, gap, value_vs_ranking_rule, " in en, en

    path = write_scenario_for(tmp_path)
    res = runner.invoke(app, ["sweep", str(path), "--param", "w_output_per_mu=0,1", "--x", "安排项目总投资",
                              "--y", "-需向省争取指标", "-o", str(tmp_path / "w.xlsx")])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["权衡曲线"]
    assert [c.value for c in ws[1]][2:4] == ["安排项目总投资(亿元)", "需向省争取指标(亩)"], [c.value for c in ws[1]]


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", "区县指标50.0+存量建设用地0.04亩；区县能耗150+市级统筹能耗0.3吨标准煤"),
    ("en", "district quota 50.0 + stock land 0.04 mu; district budget 150 + city energy pool 0.3 tce"),
])
@pytest.mark.slow
def test_compare_sources_never_show_a_nonzero_amount_as_0(runner: CliRunner, tmp_path: Path, lang: str, expected: str) -> None:
    """A source amount below what its unit's format shows (tce whole, mu to 0.1) is shown with the decimals it
    needs: 0.3 tce from the city pool read 市级统筹能耗0吨标准煤 (compare a.xlsx b.xlsx, the district budget 149.7 of
    a 150-tce project), 0.04 mu of stock 存量建设用地0.0亩. A zero is still left out; larger amounts keep their format."""
    from builders import project, tiny
    from quota_opt.core import results_schema as outputs
    from quota_opt.studies.compare import sources_text

    row = {"land_district_quota": 50.0, "land_stock": 0.04, "land_provincial_pool": 0.0, "energy_district": 149.7,
           "energy_city_pool": 0.3}
    assert sources_text(row, lang) == expected
    assert sources_text({"energy_city_pool": 0.000002, "land_stock": 1e-9}, "en") == "city energy pool 0.000002 tce"
    assert sources_text({"energy_city_pool": 0.96, "energy_district": 0.049}, "en") == (
        "district budget 0.05 + city energy pool 1 tce")

    paths = []
    for name, budget in (("a", 149.7), ("b", 149.8)):
        sc = tiny([project("F", 50, investment=10, energy=150)],
                  quotas={("A", 2026): {"new_land_quota": 100, "energy_budget": budget}},
                  city={2026: {"city_energy_pool": 0.3}})
        paths.append(str(write_scenario(sc, tmp_path / f"{name}.xlsx", lang)))
    res = runner.invoke(app, ["compare", *paths, "-o", str(tmp_path / "c.xlsx"), "--lang", lang])
    assert res.exit_code == 0, res.output
    cells = [str(c) for ws in openpyxl.load_workbook(tmp_path / "c.xlsx") for row in ws.iter_rows(values_only=True)
             for c in row if c is not None]
    pool = "市级统筹能耗0.3吨标准煤" if lang == "zh" else "city energy pool 0.3 tce"
    assert pool in " ".join(cells) and ("市级统筹能耗0吨" if lang == "zh" else "pool 0 tce") not in " ".join(cells)

    # the allocation sheet's reason names the sources alike: it said 区县能耗 150 吨标准煤、市级统筹能耗 0 吨标准煤 and
    # 供地 0.0 亩：存量建设用地 0.0 亩 (G's energy is a true 0, said as before: 能耗 0 吨标准煤：无)
    sc = tiny([project("F", 50, investment=10, energy=150),
               project("G", 0.04, investment=1, stock_land_eligible=True)],
              districts=[{"district_id": "A", "name": "甲区", "stock_land_initial": 0.04}],
              quotas={("A", 2026): {"new_land_quota": 50, "energy_budget": 149.7}},
              city={2026: {"city_energy_pool": 0.3}})
    path = write_scenario(sc, tmp_path / "r.xlsx", lang)
    res = runner.invoke(app, ["run", str(path), "--lang", lang])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(tmp_path / "r_results.xlsx")[outputs.ALLOCATION.name(lang)]
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    reasons = " ".join(c for c in cells if "吨标准煤" in c or "tce" in c)
    for words in (["市级统筹能耗 0.3 吨标准煤", "存量建设用地 0.04 亩", "供地 0.04 亩"]
                   if lang == "zh" else ["city energy pool 0.3 tce", "stock land 0.04 mu", "Supplied 0.04 mu"]):
        assert words in reasons, (words, reasons)
    assert "统筹能耗 0 吨标准煤" not in reasons and "pool 0 tce" not in reasons and " 0.0 " not in reasons, reasons
