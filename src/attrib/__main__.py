"""`python -m attrib` runs the command line."""

from .console import main

main()
