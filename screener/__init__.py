"""screener: find re-rating candidates among the companies that wire AI clusters together."""

__version__ = "0.1.0"
