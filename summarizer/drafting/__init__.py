"""From a parsed paper to a draft card: the model's questions (extract), the card assembled by code around
its answers (assemble), the abstract-only card, venue detection and the card's provenance."""
