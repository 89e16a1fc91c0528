"""`python -m massage_cli`."""

from .cli import main

main()
