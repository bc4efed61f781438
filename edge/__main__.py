"""`python -m edge` runs the `relais` administration command."""

from edge.cli import main

main()
