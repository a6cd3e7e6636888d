"""Interpret: the plan read from a solution, reasons in policy words, shadow prices, infeasibility, what-if."""
