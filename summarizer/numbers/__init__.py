"""Numbers copied and checked by code, never typed by the model: the text and number normaliser, the pointers
(folios, citations, dates) a number is not grounded on, prose claims, results-table choice, a journal's
publication facts, and the grounding check of a card. Pure."""
