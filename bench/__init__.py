"""Benchmarks that run the real bot against the fake Bot API server and print figures."""
