"""Helpers shared by the integration tests: a real daemon, test images."""
