"""The throughput benchmark behind `make bench` (bench/throughput_bench.py)."""
