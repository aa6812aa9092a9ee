"""Capture outcomes that mean "no usable face", distinct from model failures.

Why: a kiosk must tell the traveller to step in or to come alone, which is a
different reaction from a broken model (``errors.ModelError``).
"""

from __future__ import annotations


class FaceCaptureError(Exception):
    """The frame cannot yield exactly one usable face."""


class NoFaceError(FaceCaptureError):
    """No face was detected in the frame."""


class MultipleFacesError(FaceCaptureError):
    """More than one confident face was detected, so the subject is ambiguous."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} confident faces in frame, expected exactly one")
        self.count = count
