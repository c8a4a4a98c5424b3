"""The rule-based pre-annotator as a spaCy component (factory "attribution")."""

from spacy.language import Language

from ..emoji import COMPONENT as EMOJI
from .assembly import find_attributions
from .component import FACTORY, AttributionFinder
from .line_ends import COMPONENT as LINE_ENDS
from .paragraphs import add_paragraph_starts

__all__ = ["FACTORY", "AttributionFinder", "add_paragraph_starts", "add_text_readers", "find_attributions"]


def add_text_readers(nlp: Language) -> None:
    """Put in `nlp`, unless it has them, what the rules read the text through: an emoji of several code points as one
    token (attrib_emoji) and CRLF read as LF (attrib_line_ends), first, and paragraph starts before the parser."""
    for component in (LINE_ENDS, EMOJI):  # each put first: attrib_emoji runs first
        if component not in nlp.pipe_names:
            nlp.add_pipe(component, first=True)
    add_paragraph_starts(nlp)
