"""Biometric accuracy evaluation an agency can run on its own labelled data.

Why: decision thresholds are only meaningful as an error rate (FMR) measured on
a population like the one served, so the tooling that measures FMR, FNMR, EER
and DET curves ships with the kiosk software instead of living in a notebook.
"""
