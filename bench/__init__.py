"""Benchmarks and robustness runs for the mock (`make bench`, `make soak`, `make fuzz`); see README.md."""
