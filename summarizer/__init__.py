"""summarizer: arXiv papers into grounded editorial cards and daily digests."""

from summarizer.card import Card, KeyNumber, ResultsTable
from summarizer.errors import SummarizerError
from summarizer.settings import Settings, load

__all__ = ["Card", "KeyNumber", "ResultsTable", "Settings", "SummarizerError", "load"]
__version__ = "0.1.0"
