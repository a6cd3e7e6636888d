"""The models the benchmarks beside this file run: the example and generated scenarios, as workbooks."""

from __future__ import annotations

from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "hangzhou_example.xlsx"


def scenario_files(folder: str | Path, generated: tuple[tuple[str, int, int, int], ...],
                   ) -> list[tuple[str, Path]]:
    """The example and each of `generated` (name, projects, districts, years; seed 1) written into `folder`."""
    from quota_opt.output.template import write_scenario
    from quota_opt.studies.generate import generate_scenario

    cases = [("the example", EXAMPLE)]
    for name, p, d, y in generated:
        path = Path(folder) / f"{name}.xlsx"
        write_scenario(generate_scenario(p, d, y, seed=1), path, "en")
        cases.append((name, path))
    return cases
