"""Side-by-side speed and memory measurements: `python -m benchmarks.run` (see benchmarks/run.py)."""
