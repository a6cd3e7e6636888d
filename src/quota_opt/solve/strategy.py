"""How a model is solved, by its size: the one place that holds the solve's tuning constants.

`pipeline.run_scenario` reads `STRATEGY`; each figure's comment says what it was measured on. Three regimes:

- up to `direct_up_to_columns` columns: HiGHS alone, on the whole model in bulk (the model `--write-model`
  writes, its source tie-breaks left to the polish: `direct_source_tie_breaks`), without a MIP start (`direct_mip_start`) and
  with no side job; optionally raced against a second HiGHS with other settings (`race_options`, `highs.race`:
  the first to prove its answer stops the other);
- from there up to `search_from_columns`: the MIP on one thread with the district bound beside it on the other
  (above `districts_from_columns`), then the district pairs;
- above `search_from_columns`: the district search in the MIP's place.

Counted in work (`pipeline.work_budget`, the default of compare and sweep) the same steps run, each to a node limit
or a number of steps in place of its share of the time (`nodes`, `district_work`, `search_work`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Strategy:
    # Small models: up to this many columns the solve is HiGHS alone on the bulk path (the matrix `--write-model`
    # writes, less its source tie-breaks), with no MIP start (`direct_mip_start`) and no side job: there the
    # machinery of larger models cost more than it saved (the example, 813 columns, --gap 0: 29 s of solve against
    # 21 s for HiGHS alone on the written model), and HiGHS's time is its search tree (the example, one thread, gap 0: 4,243 nodes; the start
    # left that unchanged, 4,243 nodes)
    direct_up_to_columns: int = 1_000
    # and there HiGHS gets no MIP start (the starting allocation still stands if HiGHS ends below it,
    # `pipeline.keep_start`; another case's allocation, `RunOptions.start_plan`, keeps it): given the start, HiGHS
    # searched no fewer nodes and took longer. Gap 0, threads chosen by HiGHS, CPU seconds: the example 5,382 nodes
    # and 60.3 s with the start, 4,882 and 58.7 s without (HiGHS alone on the written model: 4,882 nodes); 120x13x3
    # 149 nodes both, 7.1 s against 6.4 s; 60x6x3 3 nodes both, 1.9 s both. Counted in work (one thread, a node
    # budget) too, where it was kept until measured: the example, 15 s (609 nodes), 1,984.4 (gap 4.64%) with it,
    # 2,025.7 (2.17%) without; 30 s, 2,035.8 (1.47%) against 2,040.9 (0.97%); 60 s, both proved to 0.1%, in 42.3 s
    # against 30.6 s; 120x13x3, 3 s and 10 s, proved either way
    direct_mip_start: bool = False
    # and there HiGHS maximises the objective without the tie-breaks on the source columns (n, p, s, e_d, e_c:
    # `Formulation.selection_objective`, highs.SolveOptions.source_tie_breaks), which the polish then applies
    # (`pipeline`, `highs.fixed_lp`); those on the supply decisions and the request stay. Those costs of 1e-9 to
    # 2e-6 lengthened HiGHS's search without changing the optimum. The example's written model, gap 0, one thread,
    # random seeds 0/1/2: with them 4,243 / 4,819 / 5,348 nodes, 33.2 / 41.7 / 44.6 s of CPU; without 3,961 /
    # 3,427 / 3,036 nodes, 28.3 / 24.8 / 25.3 s (1.5 times less CPU; the same selection and, after the polish, the
    # same objective, 2,042.59088). To the default gap of 0.1%: 993 / 1,293 / 1,355 nodes, 23.9 / 28.8 / 35.2 s,
    # against 1,399 / 877 / 1,068 nodes, 27.9 / 18.4 / 22.6 s. 120x13x3, gap 0: 189 / 259 / 252 nodes, 4.9 / 4.9 /
    # 6.0 s, against 212 / 97 / 278, 4.9 / 4.4 / 5.8 s. On two threads the gain is smaller: the example 4,882 /
    # 4,216 / 4,308 nodes, 50.7 / 36.1 / 43.6 s, against 5,129 / 3,617 / 5,009, 42.6 / 31.3 / 44.4 s; 120x13x3 5.7
    # / 7.0 / 8.3 s against 6.8 / 6.7 / 6.8 s (so benchmarks/proof.py, one seed, shows 120x13x3 slower than HiGHS
    # alone: 6.9 s of CPU against 5.7). Tried on the MIP path of larger models and not adopted: 300x13x3 at 10 s,
    # seeds 1/2/3, the MIP on HiGHS in bulk without them 4,113 / 3,267 / 2,962, with them 4,119 / 3,263 / 2,928,
    # on Pyomo's interface (as now) 4,098 / 3,263 / 2,982: noise, and the gap there is the bound's (4,153 / 3,293
    # / 3,046 in all three runs)
    direct_source_tie_breaks: bool = False
    # Also tried on the example's proof (written model less the source tie-breaks, gap 0, one thread, random seeds
    # 0/1/2: 29.8 / 24.3 / 25.8 s, 3,961 / 3,427 / 3,036 nodes) and not adopted. (a) Variable upper bounds on the
    # source columns, x_jt <= min(demand_j, the year's limit of that source) * y_jt (the pools, the request cap, the
    # district's energy budget, its stock by then, its quota plus the most reward it could earn): the LP relaxation
    # falls from 2,405.9 to 2,239.7, but HiGHS's root cuts find most of that (2,098 after them without), and the
    # proof took 22.4 / 25.1 / 28.9 s, 2,365 / 2,845 / 3,400 nodes; on 300x13x3 at 10 s HiGHS's bound was no
    # tighter (4,212.5 / 4,210.1 against 4,209.6 / 4,198.9). (b) The district bound as cuts: column generation over
    # district plans converges in 6 rounds (5 s) to the Dantzig-Wolfe bound 2,085.05, below HiGHS's root bound
    # (2,097.8) but 2.1% above the optimum; each district's priced value <= its priced MIP's bound, added as 13
    # rows at the best prices: 53.8 s and 5,240 nodes (seed 0); at the prices of all 7 rounds, 91 rows: 41.0 s and
    # 2,809 nodes. The rest of the gap lies in how the city-level pools are shared between districts, where only
    # branching helps (benchmarks/prove.py's branch and price). (c) Columns for HiGHS to branch on (stop 29): a
    # binary u_j = Σ_t y_jt per project of several years: 34.1 / 52.4 / 30.4 s, 5,147 / 8,114 / 5,619 nodes; binaries
    # W_jt = Σ_τ≤t y_jτ ("supplied by year t"): 49.8 / 45.3 / 61.7 s, 7,051 / 7,067 / 9,601 nodes. (d) The proof is
    # the bound's, not the search for the optimum: given the optimal allocation as its start, HiGHS took 19.2 /
    # 18.3 / 24.3 s and 1,838 / 1,734 / 2,220 nodes (its root bound after cuts 2,094.7, 2.5% above the optimum).
    # SCIP 10 on the same model, one thread: 38.2 s, 7,618 nodes, root bound 2,092.4
    # (e) The tree split between the two cores at the root (stop 30), on the project with the most value at stake in
    # the LP relaxation (XM039, supplied 0.59): the half without it holds the optimum and alone took 24.8 s and
    # 3,025 nodes (seed 0; the whole tree 29.5 s, 3,961), the half with it 28.6 s to prove 1,875.1. Bound-limited,
    # so the half with the optimum is as hard as the whole. (f) One aggregated energy row per year (the district
    # budgets and the city pool summed): root bound 2,095.1 / 2,097.5 / 2,092.2, 2,237 / 2,889 / 3,133 nodes
    # against 2,093.6 / 2,094.7 / 2,093.9 and 3,961 / 3,427 / 3,036 (seeds 0/1/2): within the seeds' spread.
    # (g) No one family of rows carries the gap (2.5% at the root after cuts, seed 0): each dropped in turn, it
    # stays 1.2 to 2.6% (root bound / optimum without them: priority rows 2,113.5 / 2,068.3, 2.2%; platform
    # capacity 2,115.0 / 2,061.5, 2.6%; the city energy pool 2,249.5 / 2,223.6, 1.2%; the provincial pool and
    # the request cap 2,316.1 / 2,288.7, 1.2%)
    # HiGHS options of a second HiGHS raced beside the first on small models (`highs.race`; None: no race). Not
    # on by default: measured on the example (one thread each, a shared machine at a load of 8 to 9), the other
    # paths tried were no faster than HiGHS's own (random seed 1: 3,620 nodes and 1.6% left after 150 s where the
    # default proves the optimum in 4,243; seed 2: 2,023 nodes, 1.3% left; heuristic effort 0.3: 2,696 nodes but
    # more time per node, 83 s against 58 s), and on a loaded machine the two runs share the CPU the one would
    # have had (the example raced: 260 s against 133 s for HiGHS alone in the same round)
    race_options: dict[str, Any] | None = None
    # over this many columns the LP relaxation is solved by HiGHS's interior point method, not its simplex: on
    # 5000x90x5 (55,468 columns, 40,193 rows with the strict major priority) 9.3 s against 24.5 s, idle cores,
    # where the simplex missed its 27-s share in the run and the start fell back to the ranking rule
    lp_ipm_from_columns: int = 20_000
    lp_share: float = 0.25  # at most this share of the solve time goes to the LP relaxation behind the start
    search_share: float = 0.98  # and the starting allocation, the district search included, ends at this share of
    # it, on models of more than `search_from_columns` (measured with 25 s: at 6,230 columns the search ends at
    # 9,633 where the MIP ended at 9,544, at 11,257 at 12,306 against 12,063; at 2,057 columns, with 7 s, the MIP
    # is better: 4,244 against 4,173). The whole-model MIP is then not run (`searched`): given the rest of the time
    # (a tenth) after the search, it never improved on the search's allocation, and its root overran its time
    # limit (measured: 1000x13x5 and 1000x90x3, 25 s, its best 6,966 and 3,737 against the search's 12,149 and
    # 9,653, 0.8 s over; 5000x90x5, 110 s and 295 s, ended where it started, the second time 7 s over the 24 s it
    # had, and HiGHS's root did not honour a cancel either; its bound, 49,384, above the district bound, 49,186)
    search_from_columns: int = 5_000
    neighbourhood_up_to_columns: int = 20_000  # in the district search, the neighbourhood (start._neighbourhood)
    # runs beside the price rounds up to this many columns; above, the rounds get every worker, for their plans feed
    # the district combination. Measured, 2 idle cores, the search's time as in make bench: 5000x90x5 (55,468
    # columns, 106 s), the neighbourhood never passed its root and ended where it began (39,941); the combination
    # then picked 43,074; without it, 44,232 and 43,979 (from 739 and 720 plans), bound 46,741 and 46,753 against
    # 46,790. 1000x13x5 (11,154 columns, 24 s), where it took the split from 10,384 to 10,929: with it the
    # combination gave 10,994 and 10,890, without 10,924
    districts_from_columns: int = 1_000  # on models of more columns, the district bound runs beside the MIP (on
    # one of its threads) and the district pairs after it. On smaller ones the MIP on every thread proves its
    # optimum soonest and HiGHS's bound beats the district bound: on 120 projects (654 columns), 7 s, the MIP on two
    # threads proved it in 5.5 to 7 s (three runs); on one thread beside the bound it missed in one run of three
    # (0.05%), and in the benchmark of the time (7 s) in two of three (up to 0.56%)
    pairs_share: float = 0.4  # of the MIP's time, when the district bound runs beside it: the district pairs after
    # it (pipeline.pairs). Measured on 300 projects (2,057 columns), 7 s, three runs each: 0.25 → 4,236 on average;
    # 0.4 → 4,246; 0.55 → 4,247; without the pairs (and 1 s more) 4,235 in five runs, from 4,213 to 4,265. With
    # 8.5 s, seeds 1 to 3, two runs each: 0.8 gave 4,215, 3,327, 3,206 on average against 4,257, 3,361, 3,187 with
    # 0.4 (the bound's MIPs, which share the MIP's time, then end short: fewer plans to recombine, a looser bound).
    # The district pairs on one thread in place of the MIP, for the same time beside the bound: 4,249, 3,361, 3,193
    # against 4,256, 3,352, 3,194 (two runs each), no better. Again on today's instances (stop 29; strict major
    # priority), 8.5 s, seeds 1/2/3, two runs each: 0.4 → 4,090.8 / 3,264.1 / 2,978.9 on average; 0.6 → 4,063.4 /
    # 3,250.8 / 2,918.5; 0.8 → 4,081.4 / 3,257.0 / 2,886.4. The pairs give most of the gain (seed 1: the MIP ends
    # at 4,050.1, the combination 4,053.5, the pairs 4,101.1 in 3.2 s), but with less time the bound's MIPs beside
    # the MIP end short, and the pairs are guided by their districts' losses
    job_share: float = 0.9  # the district bound beside the MIP gets this share of the MIP's time, so the MIP ends last
    recombine_limit_s: float = 5.0  # the district combination after the MIP: a few hundred plans solve in well
    # under a second
    pair_min_s: float = 0.5  # less time than this is not worth loading the district pairs' models
    node_work_per_second: float = 33_000.0  # the deterministic budget (`nodes`): HiGHS branch-and-bound nodes
    # per second of the time limit, times the model's columns (a node's LP grows with the model), so that a run
    # counted in work takes about its time limit on a machine like this one (2 cores, one thread a solve). Measured,
    # `run_scenario` with a 30-s limit counted in work, idle cores: the example (813 columns) 1,218 nodes in 18.9 s;
    # 300x13x3 (2,093) 473 nodes in 40.4 s; 120x13x3 proved optimal in 5.0 s, under its budget; 1000x13x5 (11,154)
    # 89 nodes in 72 s, nearly all of it the root node, which no node budget shortens. The budget was 6 nodes a
    # second at any size (from a model of the first round, on a machine at a load of 15): on the example a 60-s
    # case then searched 360 nodes, about 5 to 10 s, and `compare --variants all` (five cases, 60 s each) took
    # 32 s; the base case stopped at its node limit 2.9% below the optimum (1,984.4 against 2,042.59; gap 5.2%),
    # as did three of the four variants: 83 decisions changed against the base, none of them beyond the cases'
    # gaps, and the 重亩均产值 variant changed 19. With this budget (2,435 nodes on the example) it took 76 s; every case
    # was proved to the 0.1% gap target, 39 of 63 changed decisions are significant, and 重亩均产值 changes none
    # Counted in work (`district_work`), the district pairs take one step for each `pair_step_s` of their share of
    # the limit, each step's MIP stopped at the nodes of `pair_node_s` seconds on half the model's columns: a pair's
    # node cost about what one of a model of half the columns does, and its root node (which no node limit
    # shortens) about 2 s. Measured on 300x13x3 (2,093 columns), idle cores: 102 nodes in 3.3 s, 79 in 3.1 s, 32
    # in 2.3 to 2.5 s; seed 2 (1,843 columns) 116 nodes in 3.0 to 3.7 s, 36 in 2.1 to 2.9 s. Of a pair's root node
    # (presolved to 266 to 541 columns, 0.6 to 2.2 s), three quarters are HiGHS's sub-MIP heuristics, which are
    # what improve the allocation there (the pair's best solution rose at each of them in the log), so they stay
    pair_step_s: float = 2.3
    pair_node_s: float = 1.0
    work_cores: int = 2  # counted in work, the district search shares its steps as it does on a machine of this many
    # cores (`search_work`); the outcome does not depend on the cores it runs on
    work_rounds: int = 1  # and runs this many rounds of the district bound's MIPs: on 1000x13x5 (11,154 columns),
    # 25 s on the clock, one round, every district MIP stopped before its root node ended; at 5000x90x5 none ends
    backstop: float = 10.0  # and a wall-clock limit this many times the time limit (at least `backstop_min_s`)
    backstop_min_s: float = 300.0  # behind it, should the work overrun (the root node is not counted in nodes)

    # The plan solved again with no land from the province (`pipeline.without_request`, 五(一) 积极向省里争取): from
    # the plan itself, for this share of the run's time limit. With the run's whole limit, 5000x90x5 (limit 110 s)
    # took 239 s in all instead of 111.
    fallback_share: float = 0.25
    fallback_min_s: float = 5.0

    def direct(self, n_cols: int) -> bool:
        """Whether a model of `n_cols` columns is solved by HiGHS alone (no district bound, no district pairs)."""
        return n_cols <= self.direct_up_to_columns

    def nodes(self, time_limit_s: float, n_cols: int) -> int:
        """The deterministic budget of a solve limited to `time_limit_s` on a model of `n_cols` columns: how many
        branch-and-bound nodes HiGHS may search (at least one; its root node always completes)."""
        return max(1, round(self.node_work_per_second * time_limit_s / max(n_cols, 1)))

    def district_work(self, time_limit_s: float, n_cols: int, n_districts: int) -> DistrictWork:
        """The district steps of a run counted in work (`RunOptions.deterministic`) on a model of `n_cols` columns
        and `n_districts` districts, between `districts_from_columns` and `search_from_columns`: the shares of
        `time_limit_s` the wall-clock run gives the MIP, the district bound beside it, the combination and the
        district pairs, as node limits and a number of steps (`nodes`)."""
        mip_s = time_limit_s * (1 - self.pairs_share)
        part_s = self.job_share * mip_s / max(n_districts, 1)
        return DistrictWork(
            mip_nodes=self.nodes(mip_s, n_cols),
            part_nodes=lambda part: self.nodes(part_s, part.form.n_cols),
            combination_nodes=self.nodes(self.recombine_limit_s, n_cols),
            pair_steps=int(time_limit_s * self.pairs_share // self.pair_step_s),
            pair_nodes=self.nodes(self.pair_node_s, n_cols // 2))

    def search_work(self, time_limit_s: float, n_cols: int, n_districts: int, split_share: float,
                    combine_share: float) -> SearchWork:
        """The district search (`start.district_search`, above `search_from_columns`) counted in work: the shares
        of `time_limit_s` it gives its steps on the clock (`split_share` to the district split, on the reference
        machine's `work_cores`; the rest but `combine_share` to the neighbourhood on one of them and one round of
        the bound's district MIPs on the other), as node limits (`nodes`)."""
        middle_s = time_limit_s * (1 - split_share - combine_share)
        split_s = time_limit_s * split_share * self.work_cores / max(n_districts, 1)
        round_s = middle_s * (self.work_cores - 1) / max(n_districts, 1)
        return SearchWork(
            split_nodes=lambda part: self.nodes(split_s, part.form.n_cols),
            round_nodes=lambda part: self.nodes(round_s, part.form.n_cols),
            rounds=self.work_rounds,
            neighbourhood_nodes=self.nodes(middle_s, n_cols),
            combination_nodes=self.nodes(self.recombine_limit_s, n_cols))

    def races(self, n_cols: int, cores: int, deterministic: bool = False) -> bool:
        """Whether a model of `n_cols` columns is solved by two HiGHS racing (`cores`: how many the solve may use)."""
        return (self.race_options is not None and n_cols > 0 and self.direct(n_cols) and cores > 1
                and not deterministic)


@dataclass(frozen=True)
class DistrictWork:
    """The district steps counted in work (`Strategy.district_work`): each a node limit in place of its time."""

    mip_nodes: int  # the whole model's MIP
    part_nodes: Callable[[Any], int]  # a district MIP of the bound beside it (a `decompose.Part`)
    combination_nodes: int  # the district combination after it (`decompose.Combination`)
    pair_steps: int  # how many steps of the district pairs after it (`decompose.district_pairs`)
    pair_nodes: int  # and each step's node limit


@dataclass(frozen=True)
class SearchWork:
    """The district search counted in work (`Strategy.search_work`): node limits and rounds in place of its times."""

    split_nodes: Callable[[Any], int]  # a district MIP of the district split (a `decompose.Part`)
    round_nodes: Callable[[Any], int]  # a district MIP of a round of the district bound
    rounds: int  # how many rounds of the district bound (`decompose.price_rounds`)
    neighbourhood_nodes: int  # the neighbourhood, the whole model near the split
    combination_nodes: int  # the district combination at the end


STRATEGY = Strategy()
