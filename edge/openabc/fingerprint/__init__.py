"""Four-finger capture: emulated scanner, segmentation, quality, ISO templates, matching."""
