"""Helpers the tests and the benchmarks share: real servers on loopback, local services, small corpora."""
