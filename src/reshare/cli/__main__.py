"""`python -m reshare.cli` runs the `reshare` command."""

from reshare.cli.main import main

main()
