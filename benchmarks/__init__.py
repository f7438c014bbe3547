"""Benchmarks: runnable suites that print ratios against baselines measured in the same run."""
