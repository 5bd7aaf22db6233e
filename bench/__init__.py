"""Benchmarks for the budgets of DESIGN §6; `make bench` runs them through bench/run.py."""
