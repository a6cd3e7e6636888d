"""Studies built on single runs: compare, sweep, rollover and the scenario generator."""
