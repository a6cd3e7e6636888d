"""Core: the workbook schema, the scenario, errors, the words of every message and the results schema.

The lowest layer: imports nothing else of quota_opt.
"""
