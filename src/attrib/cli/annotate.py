"""`attrib annotate` and `attrib show`."""
