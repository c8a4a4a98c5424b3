"""Fixtures that start a real Label Studio server on 127.0.0.1 (filled in by the Label Studio work)."""
