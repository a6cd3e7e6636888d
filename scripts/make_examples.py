"""Rebuild the example scenario workbooks in scenarios/ (seeded: the same bytes every time).

    python scripts/make_examples.py      # or: make examples

- scenarios/hangzhou_example.xlsx: Chinese headers; 13 Hangzhou districts, 21 platforms, 8 chains,
  3 planning years, 120 candidate projects, four variants. Illustrative (fictitious) figures.
- scenarios/small_en.xlsx: English keys; 3 districts, 12 projects, small enough to follow by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from quota_opt.output.template import write_scenario
from quota_opt.studies.generate import hangzhou_example, small_en

ROOT = Path(__file__).resolve().parents[1]
NOTE_ZH = "示例数据：项目名称和数字均为虚构，仅用于演示和试算，不代表任何真实项目或真实下达的指标。"
NOTE_EN = "Illustrative data: project names and figures are fictitious, for demonstration and trials only."


def main() -> int:
    out = ROOT / "scenarios"
    out.mkdir(exist_ok=True)
    written = [
        write_scenario(hangzhou_example(), out / "hangzhou_example.xlsx", "zh", note=NOTE_ZH),
        write_scenario(small_en(), out / "small_en.xlsx", "en", note=NOTE_EN),
    ]
    for path in written:
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
