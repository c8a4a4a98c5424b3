"""The rule-based pre-annotator as a spaCy component (factory "attribution")."""

from .component import AttributionFinder, find_attributions
from .paragraphs import add_paragraph_starts

__all__ = ["AttributionFinder", "add_paragraph_starts", "find_attributions"]
