"""Deterministic synthetic population for the matcher and the lane demo."""
