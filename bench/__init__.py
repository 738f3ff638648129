"""Benchmarks: each seeds its data, prints lines for people, ends with one JSON line."""
