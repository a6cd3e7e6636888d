"""Sweeps: the value specs, the grid, the non-dominated set, identical numbers whatever runs the points
(one process, a pool of workers, a local Dask cluster), failing points reported, and the command."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from builders import INVESTMENT_ONLY, project, random_small, tiny
from quota_opt.cli.app import app
from quota_opt.core.scenario import Scenario
from quota_opt.output.compare_workbook import CASES, TRADEOFF
from quota_opt.output.template import write_scenario
from quota_opt.studies import compare as cmp
from quota_opt.studies.compare import COMPARED_KPIS
from quota_opt.studies.sweep import SweepError, float_range, pareto, parse_param, parse_params, sweep_grid

# --------------------------------------------------------------------------------------------
# specs, grid, Pareto
# --------------------------------------------------------------------------------------------


def test_float_range_includes_stop_within_tolerance() -> None:
    values = float_range(0, 1, 0.1)
    assert len(values) == 11 and values[3] == 0.3 and values[-1] == 1.0
    assert float_range(0, 1, 0.3) == [0.0, 0.3, 0.6, 0.9]
    assert float_range(1, 0, -0.5) == [1.0, 0.5, 0.0]
    assert float_range(2, 2, 1) == [2.0]
    for bad in ((0, 1, 0), (0, 1, -0.1)):
        with pytest.raises(ValueError):
            float_range(*bad)


def test_parse_param_ranges_lists_labels_and_choices() -> None:
    p = parse_param("w_output_per_mu=0:1:0.25")
    assert p.key == "w_output_per_mu" and p.values == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert parse_param("存量盘活奖励比例 = 0.5, 1").values == (0.5, 1.0)  # the Chinese label works too
    assert parse_param("horizon_years=1:3:1").values == (1, 2, 3)
    assert parse_param("carryover_allowed=yes,否").values == (True, False)
    assert parse_param("misfit_policy=exclude,district_only").values == ("exclude", "district_only")


@pytest.mark.parametrize(("text", "match"), [
    ("deferral_discount=0.5:1.5:0.5", r"≤ 1, got 1\.5"),
    ("reward_ratio=-1,1", r"≥ 0"),
    ("horizon_years=1.5", r"whole number"),
    ("w_output_per_mu=abc", r"got \"abc\""),
    ("nonsense=1", r"unknown or unsweepable setting 'nonsense'"),
    ("base_year=2027", r"unsweepable"),
    ("misfit_policy=0:1:1", r"numeric setting"),
    ("reward_ratio=1:0:0.5", r"moves away"),
    ("reward_ratio", r"key=start:stop:step"),
    ("reward_ratio=1,,2", r"empty item"),
])
def test_parse_param_refuses_bad_specs_clearly(text: str, match: str) -> None:
    with pytest.raises(SweepError, match=match):
        parse_param(text)


@pytest.mark.parametrize(("text", "zh"), [
    ("reward_ratio=1:0:0.5", "区间无效（步长的方向背离终点"),
    ("reward_ratio=0:1:0", "区间无效（步长不能为 0）"),
    ("reward_ratio=0:x:1", "起、止和步长应为数"),
])
def test_bad_ranges_are_explained_in_chinese_too(text: str, zh: str) -> None:
    with pytest.raises(SweepError) as info:
        parse_param(text)
    assert zh in info.value.report("zh") and not any(c.isascii() and c.isalpha() for c in info.value.report("zh")
                                                     .split("：", 1)[1].replace("reward_ratio", ""))


def test_parse_params_reports_every_bad_param() -> None:
    with pytest.raises(SweepError) as info:
        parse_params(["deferral_discount=2", "nonsense=1", "reward_ratio=1"])
    assert len(info.value.errors) == 2
    assert "推迟折扣" in info.value.report("zh")


REFUSED = ["reward_ratio", "nonsense=1", "base_year=2027", "reward_ratio=", "misfit_policy=0:1:1", "reward_ratio=0:1",
           "reward_ratio=0:x:1", "reward_ratio=0:1:0", "reward_ratio=1:0:0.5", "reward_ratio=0:inf:1",
           "reward_ratio=0:100000:1", "reward_ratio=1,,2", "deferral_discount=0.5:1.5:0.5", "horizon_years=1.5"]


@pytest.mark.parametrize("text", REFUSED)
def test_a_refused_param_is_a_message_of_the_catalogue(text: str) -> None:
    """SweepError's sentences were written in sweep.py as (zh, en) pairs, outside messages.py (and so outside
    docs/workbook.md), as were compare.py's "nothing to sweep" and "unknown KPI": now each is a code of the
    catalogue, and a SweepError an InputError of such problems (exit 1, as before)."""
    from quota_opt.core.errors import InputError
    from quota_opt.core.messages import TEMPLATES

    with pytest.raises(SweepError) as info:
        parse_param(text)
    assert isinstance(info.value, InputError) and info.value.exit_code == 1
    assert info.value.errors and all(p.code in TEMPLATES for p in info.value.errors)
    for lang in ("zh", "en"):
        assert info.value.report(lang) == "\n".join(f"- {p.message(lang)}" for p in info.value.errors)
    for refuse in (lambda: sweep_grid([parse_param("reward_ratio=1"), parse_param("reward_ratio=2")]),
                   lambda: sweep_grid({"reward_ratio": range(101), "w_investment": range(100)}),
                   lambda: cmp.sweep_cases(tiny([project("A", 10)]), []),
                   lambda: cmp.Tradeoff.parse("nope", "-objective")):
        with pytest.raises(SweepError) as info:
            refuse()
        assert [p.code in TEMPLATES for p in info.value.errors] == [True]


def test_a_range_of_two_numbers_is_refused_in_chinese_for_what_it_is() -> None:
    """reward_ratio=0:1 (no step) was refused in zh as 区间写法只适用于数值参数, though reward_ratio is one; the
    en said it needs three numbers and a numeric setting."""
    with pytest.raises(SweepError) as info:
        parse_param("reward_ratio=0:1")
    assert "三个数" in info.value.report("zh") and "three numbers" in info.value.report("en")


def test_sweep_grid_is_the_full_cross_product() -> None:
    grid = sweep_grid([parse_param("w_output_per_mu=0:1:0.5"), parse_param("reward_ratio=0.5,1")])
    assert len(grid) == 6
    assert grid[:3] == [{"w_output_per_mu": 0.0, "reward_ratio": 0.5}, {"w_output_per_mu": 0.0, "reward_ratio": 1.0},
                        {"w_output_per_mu": 0.5, "reward_ratio": 0.5}]
    with pytest.raises(SweepError, match="more than once"):
        sweep_grid([parse_param("reward_ratio=1"), parse_param("reward_ratio=2")])


def test_pareto_both_maximised() -> None:
    points = [(1, 5), (2, 4), (2, 3), (0, 5), (3, 1), None, (3, 1)]
    assert pareto(points) == [True, True, False, False, True, False, True]
    assert pareto([(1, 1), (1, 1)]) == [True, True]  # equal points dominate neither
    assert pareto([(1, 5), (2, 4)], maximize=(True, False)) == [False, True]
    assert pareto([]) == []


# --------------------------------------------------------------------------------------------
# identical results whatever runs them
# --------------------------------------------------------------------------------------------


def three_points() -> list[cmp.Case]:
    base = random_small(11)
    return cmp.sweep_cases(base, [parse_param("w_output_per_mu=0:1:0.5")])


def numbers(results: list[cmp.CaseResult]) -> list[tuple]:
    """Everything a case came to, except run times."""
    out = []
    for r in results:
        kpis = tuple(r.summary.get(k) for k in (*COMPARED_KPIS, "best_bound", "greedy_objective"))
        out.append((r.name, r.status, kpis, r.allocation.to_json(), r.district_year.to_json()))
    return out


@pytest.fixture(scope="module")
def sequential() -> list[cmp.CaseResult]:
    results = cmp.run_cases(three_points(), workers=1)
    assert [r.status for r in results] == ["optimal"] * 3
    return results


@pytest.mark.slow
def test_sweep_points_are_distinct(sequential: list[cmp.CaseResult]) -> None:
    assert [r.params for r in sequential] == [{"w_output_per_mu": v} for v in (0.0, 0.5, 1.0)]
    assert sequential[0].summary["scenario_name"].endswith("权重：亩均产值=0")  # named as the cases sheet's column


@pytest.mark.slow
def test_sweep_in_worker_processes_gives_identical_numbers(sequential: list[cmp.CaseResult]) -> None:
    seen = []
    parallel = cmp.run_cases(three_points(), workers=2, progress=lambda d, n, r: seen.append((d, n)))
    assert numbers(parallel) == numbers(sequential)
    assert sorted(seen) == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.dask
@pytest.mark.slow
def test_sweep_on_a_local_dask_cluster_gives_identical_numbers(sequential: list[cmp.CaseResult]) -> None:
    pytest.importorskip("distributed")
    on_dask = cmp.run_cases(three_points(), workers=2, dask="local")
    assert numbers(on_dask) == numbers(sequential)


# --------------------------------------------------------------------------------------------
# failures
# --------------------------------------------------------------------------------------------


def mandatory_needs_request():
    """test_golden.test_mandatory_forces_request_to_province: M (mandatory, 150 mu) needs 50 mu requested
    from the province on top of the 100 mu quota. With a request cap of 0 the scenario is infeasible."""
    return tiny([project("M", 150, investment=2, city_led=True, mandatory=True), project("N", 100, investment=10)],
                quotas={("A", 2026): {"new_land_quota": 100}}, city={2026: {"province_request_cap": 100}},
                major_investment_threshold=20, province_request_penalty=0.5, **INVESTMENT_ONLY)


@pytest.mark.slow
def test_failing_points_are_reported_and_the_rest_complete(tmp_path: Path) -> None:
    sc = mandatory_needs_request()
    sc.city_quotas["province_request_cap"] = pd.Series([float("nan")], dtype="float64")  # the setting applies
    cases = cmp.sweep_cases(sc, [parse_param("province_request_cap=0,50,100")])
    cases += cmp.sweep_cases(sc, [parse_param("horizon_years=2")])  # no quota rows for 2027
    results = cmp.run_cases(cases, workers=2)
    assert [r.status for r in results] == ["infeasible", "optimal", "optimal", "error"]
    assert "infeasible" in results[0].describe("en")
    assert "2027" in results[3].describe("en")
    assert results[1].kpi("objective") == pytest.approx(5, abs=1e-3)  # 30 − 0.5 × 50 (hand-worked in test_golden)
    tradeoff = cmp.Tradeoff()
    assert tradeoff.front(results)[0] is False and tradeoff.front(results)[3] is False
    path = cmp.write_comparison(results, tmp_path / "sweep.xlsx", "en", tradeoff=tradeoff)
    ws = openpyxl.load_workbook(path)[CASES.name("en")]
    head = [c.value for c in ws[1]]
    statuses = [ws.cell(row=r, column=head.index("status") + 1).value for r in range(2, 6)]
    assert statuses == ["infeasible", "optimal", "optimal", "error"]
    assert "province_request_cap" in head


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_sweep_writes_the_tradeoff(runner: CliRunner, tmp_path: Path) -> None:
    sc = mandatory_needs_request()
    path = write_scenario(sc, tmp_path / "m.xlsx", "en")
    res = runner.invoke(app, ["sweep", str(path), "--param", "province_request_penalty=0.1,0.5",
                              "-p", "major_investment_threshold=1,20", "--lang", "en", "--workers", "2",
                              "--y", "-mu_to_request"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "m_sweep.xlsx"
    assert out.is_file() and "4 sweep points" in res.output
    wb = openpyxl.load_workbook(out)
    ws = wb[TRADEOFF.name("en")]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["case", "province_request_penalty", "major_investment_threshold", "investment_selected",
                        "mu_to_request"]
    assert len(ws._charts) == 1 and ws.max_row == 5


def carryover_matters() -> Scenario:
    """A (60 mu) and B (50 mu); 100 mu in 2026 and 20 in 2027: B gets 2027's 20 plus the 40 left from 2026 only
    when quota may be carried over, so the sweep carryover_allowed=yes,no has two different points."""
    return tiny([project("A", 60, investment=10), project("B", 50, investment=8)], horizon_years=2,
                quotas={("A", 2026): {"new_land_quota": 100}, ("A", 2027): {"new_land_quota": 20}})


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "yes", "no"), [("zh", "是", "否"), ("en", "yes", "no")])
def test_a_yes_no_sweep_reads_as_the_workbooks_write_it(runner: CliRunner, tmp_path: Path, lang: str, yes: str, no: str) -> None:
    """A swept yes/no setting shows as the workbooks show one (the cases sheet's 指标可结转 column: 是/否 in zh,
    yes/no in en), in the case names (progress lines, the workbook's case column) and in the terminal's table;
    in zh it read "yes"/"no" there."""
    path = write_scenario(carryover_matters(), tmp_path / "c.xlsx", lang)
    res = runner.invoke(app, ["sweep", str(path), "--param", "carryover_allowed=yes,no", "--lang", lang,
                              "--workers", "1"])
    assert res.exit_code == 0, res.output
    name = "指标可结转" if lang == "zh" else "carryover_allowed"  # as the cases sheet heads its column
    assert f"{name}={yes}:" in res.output and f"{name}={no}:" in res.output
    rows = [line for line in res.output.splitlines() if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows if row.split("│")[1].strip()] == [yes, no], res.output
    ws = openpyxl.load_workbook(tmp_path / "c_sweep.xlsx")[CASES.name(lang)]
    assert [ws.cell(row=r, column=1).value for r in (2, 3)] == [f"{name}={yes}", f"{name}={no}"]
    ws = openpyxl.load_workbook(tmp_path / "c_sweep.xlsx")[TRADEOFF.name(lang)]
    assert [ws.cell(row=r, column=2).value for r in (2, 3)] == [yes, no]  # not TRUE/FALSE
    assert [c.name for c in cmp.sweep_cases(carryover_matters(), {"carryover_allowed": [True]})] == [
        "指标可结转=是"]  # the library's default language, as variant_cases' base case 基准方案


def test_cli_sweep_input_errors(runner: CliRunner, tmp_path: Path) -> None:
    path = write_scenario(mandatory_needs_request(), tmp_path / "m.xlsx", "en")
    res = runner.invoke(app, ["sweep", str(path), "--param", "deferral_discount=0.5:1.5:0.5", "--lang", "en"])
    assert res.exit_code == 1 and "deferral_discount" in res.output
    res = runner.invoke(app, ["sweep", str(path), "--param", "reward_ratio=1", "--x", "nope", "--lang", "en"])
    assert res.exit_code == 1 and "unknown KPI" in res.output


PARAM_ON_THE_COMMAND_LINE = [
    ("reward_ratio=-1,1", "zh", '✗ 命令行选项 --param reward_ratio=-1,1，参数 存量盘活奖励比例(reward_ratio)：应为0或不小于0.01且不大于10的数，'
                                '实际为 "-1"。'),
    ("reward_ratio=-1,1", "en", '✗ command-line option --param reward_ratio=-1,1, setting reward_ratio (Stock-land reward '
                                'ratio): expected 0 or a number ≥ 0.01 and ≤ 10, got "-1".'),
    ("deferral_discount=0.5:1.5:0.5", "zh", "✗ 命令行选项 --param deferral_discount=0.5:1.5:0.5，参数 推迟折扣(deferral_discount)："
                                            "应为大于0且不大于1的数，实际为 1.5。"),
    ("deferral_discount=0.5:1.5:0.5", "en", "✗ command-line option --param deferral_discount=0.5:1.5:0.5, setting "
                                            "deferral_discount (Deferral discount): expected a number > 0 and ≤ 1, got 1.5."),
    # in zh the settings are listed as the settings sheet names them, with their keys (either may be typed)
    ("unknown_key=1,2", "zh", "✗ 命令行选项 --param unknown_key=1,2：未知或不可扫描的参数“unknown_key”；可用：规划年数(horizon_years)、"
                              "目标模式(objective_mode)、权重：投资规模(w_investment)、"),
    ("unknown_key=1,2", "en", "✗ command-line option --param unknown_key=1,2: unknown or unsweepable setting 'unknown_key'; "
                              "use one of: horizon_years, "),
    ("reward_ratio=0:1:0", "zh", "✗ 命令行选项 --param reward_ratio=0:1:0：区间无效（步长不能为 0）。"),
    ("reward_ratio=0:1:0", "en", "✗ command-line option --param reward_ratio=0:1:0: invalid range (step must not be 0)."),
]


@pytest.mark.parametrize(("spec", "lang", "words"), PARAM_ON_THE_COMMAND_LINE,
                         ids=[f"{spec}-{lang}" for spec, lang, _ in PARAM_ON_THE_COMMAND_LINE])
def test_a_param_error_is_placed_on_the_command_line(runner: CliRunner, tmp_path: Path, spec: str, lang: str, words: str) -> None:
    """A value given with --param was reported as if it were on the settings sheet ("工作表 参数设置(settings)，
    推迟折扣(deferral_discount)" / "sheet settings, deferral_discount …"), though it was typed on the command line;
    now every --param refusal says it is the command line's --param, naming the setting by label and key."""
    path = write_scenario(mandatory_needs_request(), tmp_path / "m.xlsx", lang)
    res = runner.invoke(app, ["sweep", str(path), "--param", spec, "--lang", lang])
    assert res.exit_code == 1, res.output
    out = " ".join(res.output.split())
    assert words in out, out
    assert "工作表" not in out and "sheet settings" not in out, out
    assert not list(tmp_path.glob("*_sweep.xlsx"))


def test_a_setting_given_twice_or_too_many_points_are_said_of_the_command_line() -> None:
    with pytest.raises(SweepError) as info:
        sweep_grid([parse_param("reward_ratio=1"), parse_param("reward_ratio=2")])
    assert info.value.report("zh") == "- 命令行选项 --param 多次给出同一参数：存量盘活奖励比例(reward_ratio)。每个参数只能用一个 --param。"
    assert info.value.report("en") == ("- command-line option --param gives the same setting more than once: reward_ratio "
                                       "(Stock-land reward ratio). Give each setting in one --param.")
    with pytest.raises(SweepError) as info:
        sweep_grid([parse_param("w_output_per_mu=0:100:1"), parse_param("w_investment=0:100:1")])
    assert info.value.report("zh") == "- 命令行选项 --param 的取值共组合出 10,201 个扫描点，超过上限 10,000 个。请减少取值。"
    assert info.value.report("en") == ("- the values of the command-line options --param make 10,201 sweep points; at most "
                                       "10,000. Give fewer values.")


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_a_dask_option_that_is_no_address_is_refused_before_solving(runner: CliRunner, tmp_path: Path, command: str) -> None:
    """--dask foo ended in distributed's "missing port number in address 'foo'" (exit 70) once the cases were
    built; now it is a bad_option, in the line's language, before anything is read."""
    path = write_scenario(tiny([project("A", 10)], quotas={("A", 2026): {"new_land_quota": 10}}),
                          tmp_path / "s.xlsx", "zh")
    extra = ["-p", "reward_ratio=0.5,1"] if command == "sweep" else [str(path)]
    for lang, words in (("zh", '命令行选项 --dask：应为“local”或 Dask 调度器地址（如 tcp://host:8786），实际为 "foo"'),
                        ("en", 'command-line option --dask: expected local, or a Dask scheduler address (e.g. tcp://host:8786), '
                               'got "foo"')):
        res = runner.invoke(app, [command, str(path), *extra, "--dask", "foo", "--lang", lang])
        assert res.exit_code == 1, res.output
        assert words in " ".join(res.output.split())
    assert not list(tmp_path.glob("*_*.xlsx"))


def test_an_unreachable_dask_scheduler_is_named_in_both_languages() -> None:
    """The scheduler that cannot be reached was named in English only, whatever --lang said."""
    import errno

    from quota_opt.core.errors import InputError

    def refused(address: str, timeout: str) -> None:
        raise OSError(errno.ECONNREFUSED, "Connection refused")

    with pytest.raises(InputError) as caught, cmp._dask_client("tcp://10.0.0.9:8786", 1, refused, None):
        pass
    assert caught.value.problems[0].message("zh").startswith("无法连接 Dask 调度器 tcp://10.0.0.9:8786")
    assert "cannot reach the Dask scheduler at tcp://10.0.0.9:8786 (Connection refused)" in \
        caught.value.problems[0].message("en")


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_dask_not_installed_is_said_in_the_users_language_before_solving(runner: CliRunner, tmp_path: Path, command: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Dask distributed, --dask ended in "--dask needs Dask distributed: pip install ..." in English
    whatever --lang said, once every case had been read and built; now it is a message of its own (zh or en),
    before anything is read."""
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed: importing it fails
    path = write_scenario(tiny([project("A", 10)], quotas={("A", 2026): {"new_land_quota": 10}}),
                          tmp_path / "s.xlsx", "zh")
    extra = ["-p", "reward_ratio=0.5,1"] if command == "sweep" else [str(path)]
    for lang, words in (("zh", "--dask 需要 Dask distributed，本机未安装。请用 pip install 'quota-opt[dask]' 安装"),
                        ("en", "--dask needs Dask distributed, which is not installed. Install it with pip install "
                               "'quota-opt[dask]', or leave out --dask")):
        res = runner.invoke(app, [command, str(path), *extra, "--dask", "local", "--lang", lang])
        assert res.exit_code == 1, res.output
        out = " ".join(res.output.split())
        assert words in out and "sweep points" not in out and "扫描点" not in out, out
    assert not list(tmp_path.glob("*_*.xlsx"))


def test_the_librarys_refusals_are_messages_in_both_languages(tmp_path: Path) -> None:
    """run_cases(workers=0), a Case without a scenario and a comparison of no case were refused in English
    only ("workers must be at least 1, not 0"; the second in a zh comparison workbook too)."""
    from quota_opt.core.errors import InputError

    with pytest.raises(InputError) as caught:
        cmp.run_cases([], workers=0)
    assert caught.value.report("zh") == "- 选项 workers：应为不小于1的整数，实际为 0。"
    assert caught.value.report("en") == "- option workers: expected a whole number ≥ 1, got 0."
    failed = cmp.run_case(cmp.Case("x", None))  # type: ignore[arg-type]
    assert failed.status == "error" and "情形“x”没有可求解的方案" in failed.describe("zh")
    assert 'case "x" has no scenario to solve' in failed.describe("en")
    with pytest.raises(InputError) as caught:
        cmp.comparison_workbook([], "zh")
    assert caught.value.report("zh") == "- 没有可比较的情形（情形列表为空）。"
