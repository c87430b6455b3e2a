"""cocity: the co-created city."""

__version__ = "0.1.0"
