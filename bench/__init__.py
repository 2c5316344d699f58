"""Benchmarks: a seeded catalogue generator and a load-test harness (not shipped with the API)."""
