"""`python -m attrib` runs the command line."""

from .cli import main

main()
