"""How far to trust a card: the eval harness (pipeline and whole-paper baseline against reference cards),
the scoring of each field, and the reports and comparisons of runs."""
