"""The one token estimate: characters per token for the packaged models' tokenizers, without running one."""

from __future__ import annotations

# English prose averages about 4 characters a token in the Qwen2.5 and SmolLM2 tokenizers (MODELS.md);
# used to report a paper's size and to cut a text to a token budget
CHARS_PER_TOKEN = 4
# cutting text to fit a context: keep a quarter in reserve, because formulas, tables and names in a paper
# tokenize worse than prose and an overfull context is refused by the server
FIT_MARGIN = 0.75
# the worst case for an answer: a small model that fills a string to its maxLength with fragments or
# symbols spends a token on 1-2 characters, and an answer cut off by max_tokens is invalid JSON
WORST_CASE_CHARS_PER_TOKEN = 2


def estimate(chars: int) -> int:
    """About how many tokens a text of this many characters takes."""
    return chars // CHARS_PER_TOKEN


def chars_that_fit(tokens: int) -> int:
    """How many characters of paper text surely fit in this many tokens."""
    return int(tokens * CHARS_PER_TOKEN * FIT_MARGIN)


def worst_case(chars: int) -> int:
    """The most tokens an answer of this many characters can take."""
    return chars // WORST_CASE_CHARS_PER_TOKEN
