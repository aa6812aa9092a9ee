"""Exceptions raised by the inference layer.

A shared base class lets callers (lane controller, health checks) treat any
model problem uniformly: a kiosk with a broken model must refuse to match.
"""

from __future__ import annotations


class ModelError(Exception):
    """Base class for anything wrong with a model, its manifest or its runtime."""


class ModelIntegrityError(ModelError):
    """The model file is missing or does not match the sha256 in its manifest."""
