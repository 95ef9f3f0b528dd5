"""The card's heading: the paper's short name and a one-line tagline (synthetic titles and answers)."""

from __future__ import annotations

from summarizer.drafting.assemble import HEADLINE_CUT_CHARS, short_name, tagline


def test_the_short_name_is_the_title_head_spelled_as_the_paper_spells_it() -> None:
    assert short_name("Zephyr: Fast Widgets for Everyone") == "Zephyr"
    assert short_name("A Study of Widgets and Their Many Uses in Practice") is None  # no name in front
    assert short_name("A Very Long Lead Phrase Here: And More") is None  # five words: a phrase, not a name
    text = "We present ZePHyr. ZePHyr is fast; ZEPHYR (in capitals) appears once; zephyr winds."
    assert short_name("ZEPHYR: FAST WIDGETS FOR EVERYONE", text) == "ZePHyr"  # the paper's most common spelling
    assert short_name("ZEPHYR: FAST WIDGETS FOR EVERYONE", "ZEPHYR only in capitals") == "ZEPHYR"


def test_a_title_without_a_name_takes_the_acronym_the_authors_define_for_their_method() -> None:
    title = "One-Step Widget Making via Repeated Folding"
    text = "Widgets are slow to make. In this paper, we propose a novel Repeated-Fold Widget Maker (RFWM), which ..."
    assert short_name(title, text) == "RFWM"
    # an acronym that is not the initials of the capitalised words before it, or of someone else's method, is no name
    assert short_name(title, "We introduce a new folding approach (NFA) for widgets.") is None
    assert short_name(title, "Prior work used Large Widget Models (LWMs); we fold them.") is None
    assert short_name(title, "We propose a novel Widget Folding (WF) framework for widgets.") is None  # a kind of thing
    assert short_name(title, "") is None


def test_a_models_report_is_named_by_the_model() -> None:
    assert short_name("Zephyr-X2 Technical Report") == "Zephyr-X2"
    assert short_name("Widgetron 4 Model Card") == "Widgetron 4"
    assert short_name("Zephyr-X2 Technical Report: Small Widgets at Scale") == "Zephyr-X2"
    assert short_name("Our Technical Report") is None  # no coined name in front
    assert short_name("A Technical Report on Widgets") is None


def test_the_tagline_drops_a_repeated_name_or_title_and_ends_at_a_whole_word() -> None:
    title = "Zephyr: Fast Widgets for Everyone"
    assert tagline("Widgets at the speed of light", "Zephyr", title) == "Widgets at the speed of light"
    assert tagline("Zephyr: widgets at the speed of light", "Zephyr", title) == "widgets at the speed of light"
    # the title again, or nothing: the title's own words after the name
    assert tagline("Zephyr: Fast Widgets for Everyone", "Zephyr", title) == "Fast Widgets for Everyone"
    assert tagline(None, "Zephyr", title) == "Fast Widgets for Everyone"
    assert tagline(None, None, "A Study of Widgets") is None
    # an answer cut at the length limit in the middle of a word loses the broken word and a dangling "of"
    cut = ("Predicting the long-term behaviour of widget swarms under heavy load with a model of "
           "pressureless gas")[:HEADLINE_CUT_CHARS]
    assert tagline(cut, "Zephyr", title) == "Predicting the long-term behaviour of widget swarms under heavy load with a model"
    # ... and a pair cut in its second half loses that half
    cut = ("A Tiny Widget Engine for Swarms of Self-Assembling Robots with High Throughput and Low Memory "
           "Use")[:HEADLINE_CUT_CHARS]
    assert tagline(cut, "Zephyr", title) == "A Tiny Widget Engine for Swarms of Self-Assembling Robots with High Throughput"



def test_a_subtitle_set_in_capitals_is_spelled_as_the_paper_spells_its_words() -> None:
    title = "ZEPHYR: TEACHING WIDGETS TO MASTER 9000+ REAL-WORLD APIS WITH GPU KERNELS"
    text = (f"{title}\nWe teach widgets to master real-world APIs. Zephyr calls APIs on a GPU. "
            "Each GPU runs kernels; the GPU is fast.")
    assert tagline(None, "Zephyr", title, text) == "Teaching widgets to master 9000+ real-world APIs with GPU kernels"
    assert tagline(None, "Zephyr", title) == "TEACHING WIDGETS TO MASTER 9000+ REAL-WORLD APIS WITH GPU KERNELS"
