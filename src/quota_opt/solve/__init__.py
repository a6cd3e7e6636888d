"""Solve: the formulation, HiGHS, the ranking rule, the starting allocation and the district decomposition."""
