"""Presentation-attack detection (PAD): frame-sequence, model and texture signals.

Why: a border kiosk must refuse a printed photo or a screen replay before the
face match counts. Entry point: ``detector.build_pad_detector``; the model is
trained in-repo (see MODEL_SEARCH.md for why and for its limits).
"""
