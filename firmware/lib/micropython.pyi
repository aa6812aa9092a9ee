# Minimal typing stub so host mypy sees ``const`` in the shared lanelink
# codec (the real module only exists on MicroPython).
from typing import TypeVar

_T = TypeVar("_T")

def const(expr: _T) -> _T: ...
