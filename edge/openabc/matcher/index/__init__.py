"""Row-level 1:N vector indexes behind one interface, exact by default.

``gallery.py`` maps person ids onto rows; the engines here only know rows.
"""

from openabc.matcher.index.base import VectorIndex
from openabc.matcher.index.exact import ExactIndex

__all__ = ["ExactIndex", "VectorIndex"]
