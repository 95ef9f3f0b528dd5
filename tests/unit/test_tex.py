"""arXiv titles and abstracts are TeX: read as the plain text a reader sees on the abstract page."""

from __future__ import annotations

import pytest

from summarizer.ingest import tex
from summarizer.numbers import claims


@pytest.mark.parametrize(("written", "read"), [
    (r"at $36\times$ higher throughput", "at 36× higher throughput"),
    (r"cuts latency by 40\% and cost by $\sim$$3\times$.", "cuts latency by 40% and cost by ∼3×."),
    (r"We propose \textbf{Zeta}, an \emph{exact} \textit{\textbf{two-step}} sampler", "We propose Zeta, an exact two-step sampler"),
    (r"$\pi$-Flow: a $k$-dimensional view", "π-Flow: a k-dimensional view"),
    (r"Schr\"odinger bridges with 1--2 steps", "Schrödinger bridges with 1–2 steps"),
    # what TeX would swallow but an abstract means literally: a share, an ampersand, an approximate tilde
    ("it needs 60% fewer steps & only ~1,200 GPU hours", "it needs 60% fewer steps & only ~1,200 GPU hours"),
    # the authors' own macro names their method
    (r"The resulting pipeline, \ours, beats the rest.", "The resulting pipeline, ours, beats the rest."),
    ("a title\n  hard-wrapped   by the feed", "a title hard-wrapped by the feed"),
    # what a macro the converter has no text for holds; a link's text and address
    (r"code in \texttt{zeta\_lib}", "code in zeta_lib"),
    (r"see \href{https://zeta.example}{our page}", "see our page <https://zeta.example>"),
    # an authors' macro given its argument in braces is the argument; with empty braces, its name
    (r"We propose \method{Zeta}, a sampler; \ours{} is fast", "We propose Zeta, a sampler; ours is fast"),
    # prices: a "formula" of a number and words, or a lone dollar before a number; a real formula stays one
    ("it costs $3 per query and $12 per hour", "it costs $3 per query and $12 per hour"),
    (r"a budget of $40 for $k = 8$ seeds", "a budget of $40 for k = 8 seeds"),
    (r"cut $\mathcal{O}(n^2)$ to $O(n \log n)$ time", "cut 𝒪(n^2) to O(n log n) time"),
    (r"on $\sim$300 clips and in 2 days at $5\times$ the speed", "on ∼300 clips and in 2 days at 5× the speed"),
    (r"we reach $92.5\%$ at a cost of $40.", "we reach 92.5% at a cost of $40."),
    (r"a noise floor $12 dB$ lower, and \ours{ } is fast", "a noise floor 12 dB lower, and ours is fast"),
])
def test_tex_markup_is_read_as_plain_text(written: str, read: str) -> None:
    assert tex.plain(written) == read


@pytest.mark.parametrize("odd", ["{" * 3000 + "deep", r"a link cut short: \href{https://zeta.example}"])
def test_text_that_does_not_parse_is_kept_as_written(odd: str) -> None:
    assert tex.plain(odd) == " ".join(odd.split())


def test_the_numbers_of_an_abstract_in_tex_are_read_with_their_units() -> None:
    abstract = (r"Our sampler reaches comparable quality at $12\times$ higher throughput, cuts memory by 70\% "
                r"and trains on only $\sim$180K public clips.")
    assert "12×" not in {c.value for c in claims.in_text(abstract)}  # read as TeX source, the factor is lost
    values = {c.value for c in claims.in_text(tex.plain(abstract))}
    assert {"12×", "70%", "180K"} <= values
