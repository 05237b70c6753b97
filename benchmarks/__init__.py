"""Benchmarks of eks2ecs: `python -m benchmarks` (see benchmarks/run.py)."""
