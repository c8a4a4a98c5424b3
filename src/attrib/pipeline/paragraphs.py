"""The `attrib_paragraph_starts` component: a sentence starts after every paragraph break, before the parser runs.

en_core_web_sm's parser often runs a sentence on across a paragraph break (a paragraph that ends in
a closing quote mark, then `Obama said the accord …`), and then hangs the next paragraph's clause
from the wrong verb. The parser keeps sentence starts that are set before it.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import ModelError
from .quotes import blank_line_paragraphs, ends_paragraph

COMPONENT = "attrib_paragraph_starts"


@Language.component(COMPONENT)
def paragraph_starts(doc: Doc) -> Doc:
    """Mark the token after each paragraph break (see quotes.blank_line_paragraphs) as a sentence start."""
    if len(doc) and doc.has_annotation("DEP"):  # spaCy refuses sentence starts on a parsed Doc (E043), on the first
        # paragraph break; an empty Doc has every annotation (and no break)
        raise ModelError(f"{COMPONENT} runs after the parser here, and must run before it: "
                         f"nlp.add_pipe({COMPONENT!r}, before='parser'), or attrib.pipeline.add_paragraph_starts(nlp)")
    blank_lines = blank_line_paragraphs(doc.text)
    for token in doc[:-1]:
        if token.is_space and ends_paragraph(token.text, blank_lines):
            doc[token.i + 1].is_sent_start = True
    return doc


def add_paragraph_starts(nlp: Language) -> bool:
    """Put the component before the parser, when there is a parser and the component is not there yet."""
    if "parser" not in nlp.pipe_names or COMPONENT in nlp.pipe_names:
        return False
    nlp.add_pipe(COMPONENT, before="parser")
    return True
