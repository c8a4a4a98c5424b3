"""attrib: claim and source attribution in news text."""

__version__ = "0.1.0"
