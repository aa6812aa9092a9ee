"""Peripheral failures the kiosk flow turns into a retry or a referral."""

from __future__ import annotations


class DeviceError(Exception):
    """A peripheral misbehaved: garbage on the wire, closed port, bad data."""


class DeviceTimeout(DeviceError):
    """Nothing (or only part of a frame) arrived before the deadline."""


class CorruptFrame(DeviceError):
    """An image from a peripheral could not be decoded safely."""
