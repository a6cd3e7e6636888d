"""Input: reading scenario and results workbooks, and validating them to the cell."""
