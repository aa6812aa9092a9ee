"""Running OpenABC services as separate processes (demo, HIL tests, supervisors)."""
