"""`attrib eval` and `attrib agreement`."""
