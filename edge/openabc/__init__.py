"""OpenABC: open firmware and services for self-service border kiosks and ABC gates."""

__version__ = "0.1.0"
