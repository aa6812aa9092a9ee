"""Fixtures of the matcher tests (defined in ``matcher_fixtures``)."""

from matcher_fixtures import seeded

__all__ = ["seeded"]
