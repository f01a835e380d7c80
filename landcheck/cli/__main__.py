"""`python -m landcheck.cli …`: the same as the `landcheck` command."""

from .group import main

if __name__ == "__main__":
    main()
