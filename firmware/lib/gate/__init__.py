"""Gate controller logic (pure: no machine import; clock and pins injected)."""
