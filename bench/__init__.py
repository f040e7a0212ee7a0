"""Benchmarks: the same workloads through the real docker CLI against dockyardd and dockerd."""
