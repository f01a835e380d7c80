"""landcheck: farmland-legality checks for Chinese township land officers."""

__version__ = "0.1.0"
