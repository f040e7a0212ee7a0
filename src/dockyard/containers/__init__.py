"""Containers: records, names, state, and the service that runs them through shims."""
