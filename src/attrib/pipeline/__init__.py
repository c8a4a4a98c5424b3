"""The rule-based pre-annotator as a spaCy component (factory "attribution")."""

from .assembly import find_attributions
from .component import FACTORY, AttributionFinder
from .line_ends import add_line_ends
from .paragraphs import add_paragraph_starts

__all__ = ["FACTORY", "AttributionFinder", "add_line_ends", "add_paragraph_starts", "find_attributions"]
