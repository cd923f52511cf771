"""Benchmarks: one script per figure, each run as `python -m benchmarks.<name>` (see benchmarks/README.md).

They report; they never fail on time. Each prints a table, ends with one JSON line, and replaces its own
section of benchmarks/RESULTS.md.
"""
