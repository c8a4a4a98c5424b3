"""The rule-based pre-annotator as a spaCy component (factory "attribution")."""

from .component import AttributionFinder, find_attributions

__all__ = ["AttributionFinder", "find_attributions"]
