"""The package's version (pyproject.toml's), here in the lowest layer so that any stage may quote it: the results
workbook's summary does."""

__version__ = "0.1.0"
