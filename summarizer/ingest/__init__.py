"""Bytes and feeds in, a Document out: arXiv ids, the polite arXiv client and its cache, and the PDF reader
with its sections, links and tables. The only part that talks to arXiv."""
