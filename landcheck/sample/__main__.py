"""`python -m landcheck.sample …`: runs the CLI of `cli` (nothing else belongs here)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
