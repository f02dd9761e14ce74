"""stalelint: find the knobs no recent experiment uses, delete them safely, remember them."""

__version__ = "0.1.0"
