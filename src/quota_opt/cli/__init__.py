"""The quota-opt command line."""

from quota_opt.cli.app import main

__all__ = ["main"]
