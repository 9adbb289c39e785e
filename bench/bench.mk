# `make bench` (not part of `make test`): its own stack in var/bench on free
# ports, every figure next to its bare reference; results in var/bench.json.
# BENCH_SCALE=0.2 runs a quick, smaller pass. See README.md, "Performance".
.PHONY: bench
bench: all
	perl bench/bench.pl
