"""The one token estimate: characters per token for the packaged models' tokenizers, without running one."""

from __future__ import annotations

# English prose averages about 4 characters a token in the Qwen2.5 and SmolLM2 tokenizers (MODELS.md);
# used to report a paper's size and to cut a text to a token budget
CHARS_PER_TOKEN = 4
# cutting text to fit a context: keep a quarter in reserve, because formulas, tables and names in a paper
# tokenize worse than prose and an overfull context is refused by the server
FIT_MARGIN = 0.75
# the worst case for an answer: a small model that fills a string to its maxLength with digits or
# punctuation spends a token on each character (SmolLM2: "1234567890" is 10 tokens, " 0.5, 0.6, 0.7" 14),
# and an answer cut off by max_tokens is invalid JSON; the server stops at the grammar's end long before
WORST_CASE_CHARS_PER_TOKEN = 1


def estimate(chars: int) -> int:
    """About how many tokens a text of this many characters takes."""
    return chars // CHARS_PER_TOKEN


def chars_that_fit(tokens: int) -> int:
    """How many characters of paper text surely fit in this many tokens."""
    return int(tokens * CHARS_PER_TOKEN * FIT_MARGIN)


def worst_case(chars: int) -> int:
    """The most tokens an answer of this many characters can take."""
    return chars // WORST_CASE_CHARS_PER_TOKEN
