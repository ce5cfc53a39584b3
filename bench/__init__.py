"""Benchmarks (not tests): ``make bench`` (bench/load.py), ``make bench-sweep`` (bench/sweep.py)."""
