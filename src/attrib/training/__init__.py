"""`attrib train`: learned spaCy components next to the rules, calibrated confidence, and the order
in which documents are worth annotating (uncertainty.py)."""
