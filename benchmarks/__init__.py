"""Benchmarks: scripts that measure, never tests that assert timings."""
