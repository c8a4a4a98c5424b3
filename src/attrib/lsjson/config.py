"""The labeling config attrib's projects use, generated from the names in names.py.

Annotators see the text with SOURCE, CUE, CONTENT and REFERENT span labels, relations tying the
regions of one attribution together, a per-region choice of kind (on CUE and CONTENT regions) and
of source type (on SOURCE regions), and the guidelines in a collapsible panel above the text.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from markdown_it import MarkdownIt

from ..bundled import bundled
from ..records import KINDS, SOURCE_TYPES
from .names import (
    KIND_NAME,
    LABELS_NAME,
    REFERENT_LABEL,
    RELATION_LABELS,
    ROLE_LABELS,
    SOURCE_TYPE_NAME,
    TEXT_NAME,
)

GUIDELINES = "annotations/guidelines.md"
GUIDELINES_NAME = "guidelines"  # an inline <HyperText>: nothing is labelled on it

COLORS = {"SOURCE": "#1f77b4", "CUE": "#ff7f0e", "CONTENT": "#2ca02c", REFERENT_LABEL: "#9467bd"}
HOTKEYS = {"SOURCE": "s", "CUE": "c", "CONTENT": "t", REFERENT_LABEL: "r"}


def guidelines() -> str | None:
    """The annotation guidelines (annotations/guidelines.md, shipped with the package), or None when absent."""
    try:
        return bundled(GUIDELINES).read_text(encoding="utf-8")
    except OSError:
        return None


def to_html(markdown: str) -> str:
    """Guidelines as HTML, for the config's panel and the project's instructions."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


def label_config(instructions: str | None = None) -> str:
    """The XML labeling config; `instructions` (Markdown) defaults to the guidelines ("" leaves them out)."""
    if instructions is None:
        instructions = guidelines() or ""
    labels = "\n".join(
        f"    <Label value={quoteattr(label)} background={quoteattr(COLORS[label])} hotkey={quoteattr(HOTKEYS[label])}/>"
        for label in (*ROLE_LABELS.values(), REFERENT_LABEL)
    )
    relations = "\n".join(f"    <Relation value={quoteattr(name)}/>" for name in RELATION_LABELS)
    kinds = "\n".join(f"    <Choice value={quoteattr(kind)}/>" for kind in KINDS)
    source_types = "\n".join(f"    <Choice value={quoteattr(kind)}/>" for kind in SOURCE_TYPES)
    panel = ""
    if instructions.strip():
        panel = (
            "  <Collapse>\n"
            '    <Panel value="Guidelines">\n'
            f"      <HyperText name={quoteattr(GUIDELINES_NAME)} inline=\"true\" value={quoteattr(to_html(instructions))}/>\n"
            "    </Panel>\n"
            "  </Collapse>\n"
        )
    return f"""<View>
{panel}  <Labels name={quoteattr(LABELS_NAME)} toName={quoteattr(TEXT_NAME)}>
{labels}
  </Labels>
  <Text name={quoteattr(TEXT_NAME)} value="${TEXT_NAME}" granularity="symbol"/>
  <Relations>
{relations}
  </Relations>
  <Choices name={quoteattr(KIND_NAME)} toName={quoteattr(TEXT_NAME)} perRegion="true" choice="single" showInline="true"
           visibleWhen="region-selected" whenTagName={quoteattr(LABELS_NAME)} whenLabelValue="{ROLE_LABELS['cue']},{ROLE_LABELS['content']}">
{kinds}
  </Choices>
  <Choices name={quoteattr(SOURCE_TYPE_NAME)} toName={quoteattr(TEXT_NAME)} perRegion="true" choice="single" showInline="true"
           visibleWhen="region-selected" whenTagName={quoteattr(LABELS_NAME)} whenLabelValue="{ROLE_LABELS['source']}">
{source_types}
  </Choices>
</View>
"""
