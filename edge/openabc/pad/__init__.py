"""Presentation-attack detection (PAD): frame-sequence and frame-texture signals.

Why: a border kiosk must refuse a printed photo or a screen replay before the
face match counts; see MODEL_SEARCH.md for why no ONNX PAD model ships yet.
"""
