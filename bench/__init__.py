"""Benchmarks (`make bench`): each module prints its numbers against a baseline measured in
the same run. Not tests: they measure, they do not assert."""
