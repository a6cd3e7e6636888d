"""Output: the workbooks the product writes (results, comparison, template, annotated copy)."""
