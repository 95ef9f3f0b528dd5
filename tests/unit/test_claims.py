"""Quantitative claims copied from a paper's prose, and the facts a journal PDF prints about itself."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from summarizer.card import Card
from summarizer.document import Document, Page, PageText, Section, SectionKind
from summarizer.ingest import pdf
from summarizer.numbers import claims, publication
from summarizer.numbers.grounding import check
from summarizer.numbers.normalise import rejoin_words, words_of
from summarizer.settings import PdfSettings

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


def _parse(name: str) -> Document:
    return pdf.parse((FIXTURES / name).read_bytes(), settings=PdfSettings(), name=name)


def _doc(*sections: tuple[str, int, str]) -> Document:
    """A document from (kind, page, text) sections; page texts are the sections' texts."""
    pages: dict[int, list[str]] = {}
    for _, page, text in sections:
        pages.setdefault(page, []).append(text)
    return Document(
        sha256="0" * 64,
        pages=[Page(number=n, text="\n".join(pages.get(n, []))) for n in range(1, max(pages) + 1)],
        sections=[Section(kind=cast(SectionKind, kind), heading=kind.title(), parts=[PageText(page=page, text=text)])
                  for kind, page, text in sections],
    )


def _values(found: list[claims.Claim]) -> list[str]:
    return [c.value for c in found]


def test_shares_factors_scales_and_counts_are_claims_pointers_years_and_names_are_not() -> None:
    text = ("We collect 2,917 high-quality tools and add approximately 90 million samples. "
            "Our model improves accuracy by 12.5% over GPT-4 (Table 3) and is 2.2 to 4.9× closer to the ideal. "
            "The difference is significant (p < 0.05), as shown in Section 4.2 and by Smith et al. (2019) [12]. "
            "We use a learning rate of 2.2 × 10-4 and compare with Llama-3.1-405B.")
    values = _values(claims.in_text(text))
    assert {"2,917", "90 million", "12.5%", "2.2 to 4.9×", "p < 0.05"} <= set(values)
    for pointer in ("3", "4.2", "2019", "12", "4", "2.2", "2.2 ×", "3.1-405B", "405B"):
        assert pointer not in values


def test_a_table_row_run_into_the_text_is_not_prose() -> None:
    row = "Zeta-Gen-7B 7B 86.2 1493.6 77.7 70.9 58.4 39.2 47.5 and the rest of the table"
    assert claims.in_text(row) == []


def test_claims_are_ranked_kept_once_and_carry_the_page_that_prints_them() -> None:
    doc = _doc(
        ("introduction", 1, "Disease change makes up under 1% of the variance in the scans we study."),
        ("method", 2, "We train on 4,127 scan pairs and test on 1,086 pairs from the same cohorts."),
        ("results", 3, "Our method outperforms every baseline with p < 0.05 and uses 4,127 pairs in total."),
    )
    found = claims.find(doc)
    by_value = {c.value: c for c in found}
    assert by_value["4,127"].page in (2, 3) and by_value["1,086"].page == 2 and by_value["1%"].page == 1
    assert len([c for c in found if c.value == "4,127"]) == 1
    assert found[0].value == "p < 0.05"  # a significance level in the results outranks a count in the method
    numbers = claims.key_numbers(doc, limit=2)
    assert len(numbers) == 2 and all(k.page for k in numbers)


def test_every_claim_survives_grounding_on_its_page() -> None:
    doc = _doc(("results", 1, "It reaches 71.6% agreement with human annotators and 2.93% variance."),
               ("method", 2, "The context length is extended to 6144 tokens for 10,339 training pairs."))
    card = check(Card(title="t", key_numbers=claims.key_numbers(doc)), [p.text for p in doc.pages])
    assert {k.value for k in card.key_numbers} == {"71.6%", "2.93%", "6144", "10,339"}
    assert card.grounding.flagged == []


def test_abstract_claims_need_no_pages() -> None:
    numbers = claims.from_abstract("We release 1.2 million images, and our model is 3× faster than prior work.")
    assert [k.value for k in numbers] == ["1.2 million", "3×"] and all(k.page is None for k in numbers)


@pytest.mark.parametrize("name", ["gpjax_joss.pdf"])
def test_a_journal_pdf_gives_its_doi_dates_volume_and_funding(name: str) -> None:
    doc = _parse(name)
    facts = {k.metric: k for k in publication.facts(doc)}
    assert facts["DOI"].value == "10.21105/joss.04455" and facts["DOI"].page == 1
    assert facts["submitted date"].value == "24 May 2022" and facts["published date"].value == "26 July 2022"
    volume = next(k for metric, k in facts.items() if metric.startswith("volume (issue)"))
    assert volume.value == "7 (75)" and facts["article number"].value == "4455"
    assert facts["funding"].value == "IH200100009"
    assert all(k.section == "metadata" for k in facts.values())
    card = check(Card(title="t", key_numbers=list(facts.values())), [p.text for p in doc.pages])
    assert card.grounding.flagged == []  # each one printed where it says


def test_an_arxiv_preprint_has_no_journal_facts_and_a_template_date_is_skipped() -> None:
    doc = _parse("toolllm_iclr2024.pdf")
    assert [k for k in publication.facts(doc) if k.metric != "funding"] == []
    draft = _parse("multivae_joss_draft.pdf")
    dates = {k.metric: k.value for k in publication.facts(draft) if k.metric.endswith("date")}
    assert dates == {"published date": "unpublished"}  # "Submitted: 01 January 1970" is the template's


def _journal_page(citation: str) -> Document:
    """A synthetic journal article: a side bar with DOI and dates, a self-citing footer, acknowledgements."""
    front = ("Journal of Synthetic Studies\nDOI: 10.5555/jss.01234\nSubmitted: 3 March 2021\n"
             "Published: 9 October 2021\nWidget: A toolkit for widgets\n" + citation)
    thanks = ("This work was funded by grant AB-12-CDEF-0042 under the Horizon 2020 programme (2019-2023). "
              "We thank the reviewers.")
    return Document(
        sha256="1" * 64, title="Widget: A toolkit for widgets",
        pages=[Page(number=1, text=front), Page(number=2, text=thanks)],
        sections=[Section(kind="other", heading="Acknowledgements", parts=[PageText(page=2, text=thanks)])],
    )


def test_publication_facts_are_the_labelled_fields_and_grant_ids_only() -> None:
    doc = _journal_page("Doe & Roe (2021). Widget: A toolkit for widgets. Journal of Synthetic Studies, 4(12), 3141.")
    facts = {k.metric: k.value for k in publication.facts(doc)}
    assert facts == {
        "DOI": "10.5555/jss.01234", "submitted date": "3 March 2021", "published date": "9 October 2021",
        "citation year": "2021", "volume (issue), Journal of Synthetic Studies": "4 (12)", "article number": "3141",
        "funding": "AB-12-CDEF-0042",
    }  # a programme's name ("Horizon 2020") and a funding period ("(2019-2023)") are not numbers to keep


def test_a_draft_whose_citation_has_no_volume_yet_gives_no_citation_facts() -> None:
    doc = _journal_page("Doe & Roe (2021). Widget: A toolkit for widgets. Journal of Synthetic Studies, ¿VOL?")
    metrics = {k.metric for k in publication.facts(doc)}
    assert "citation year" not in metrics and not any(m.startswith("volume") for m in metrics)


@pytest.mark.parametrize(("text", "value", "label"), [
    ("The tokenizer uses a codebook size of 12,288 entries for every image.", "12,288", "codebook size"),
    ("We keep 5,273 high-quality tools retained after a careful filtering step.", "5,273", "high-quality tools"),
    ("The model reaches 81% overall accuracy on OmniBench and beats every rival.", "81%", "overall accuracy on OmniBench"),
    ("It downsamples images by a factor of 16 and then adds 4,096 learned tokens to the sequence.", "4,096",
     "learned tokens"),
    # one word says little: the phrase after it says what of
    ("We then add approximately 64 million samples of curated aerial imagery to the mix.", "64 million",
     "samples of curated aerial imagery"),
    ("Our forecast lands 3.1 to 4.4× closer to the true trend than every baseline does.", "3.1 to 4.4×",
     "closer to the true trend"),
    # an aside in brackets inside the phrase is left out
    ("The large model is trained on 24 H200 (141GB) GPUs for a week.", "24", "H200 GPUs"),
    ("It turns each clip into 12×12 latent tokens (variant (b) in Fig. 3) at once.", "12×12", "latent tokens"),
    # "totals" as a verb says only that there is an amount: what follows names it
    ("The public corpus holds about 3 million pages and totals 4.6 gigabytes of cleaned web text.", "4.6",
     "gigabytes of cleaned web text"),
    # praise and articles in front are left out; "for each" still says what of
    ("On the open arena our agent achieves an impressive win rate of over 72% against the reference.", "72%",
     "win rate"),
    ("The sparse model stores 412B weights in all, with 21B activated for each token.", "21B",
     "activated for each token"),
    ("It keeps its accuracy across all context window lengths up to 96K on the probe.", "96K",
     "context window lengths"),
    # a range of counted things with a word saying which before the noun
    ("We study frame-wise rollout with only 3-5 denoising steps per frame.", "3-5", "denoising steps"),
    # a preposition after a colon opens the value's own setting; a dotted version stays in a name; a hedge ends
    ("Our tests confirm this advantage: in 85% pruning, Zeta needs 7× fewer FLOPs on Vega3.5-2.2B.", "85%",
     "pruning"),
    ("Our tests confirm this advantage: at 85% pruning, Zeta needs 7× fewer FLOPs on Vega3.5-2.2B.", "7×",
     "fewer FLOPs on Vega3.5-2.2B"),
    ("We release an open dataset of approx. 61.5M image-text pairs for the community.", "61.5M", "image-text pairs"),
    # a value joined to a word counts that word, of the noun after it; an adjective is not made plural
    ("We train a 12-layer decoder on public data.", "12", "layers (decoder)"),
    ("Tokens live in a 512-dimensional latent space of the encoder.", "512", "dimensional (latent space)"),
    # an aside ends the name
    ("We compare against 14 baselines, e.g. diffusion and flow models.", "14", "baselines"),
    # a bound of what the words after count is named by both
    ("The router may send a token to a maximum of 11 experts on two nodes.", "11", "maximum experts on two nodes"),
    ("We report the mean of 7 runs for every model in the table.", "7", "runs for every model"),
])


def test_a_claim_is_labelled_with_a_short_noun_phrase_not_a_window_of_words(text: str, value: str, label: str) -> None:
    found = {c.value: c.metric for c in claims.in_text(text)}
    assert found[value] == label


def test_a_comparative_alone_names_nothing_and_pipeline_stages_are_no_percentage_points() -> None:
    found = {c.value: c.metric for c in claims.in_text(
        "The rival was trained on 21T tokens, which are 35% more than the 15.5T tokens of our own corpus.")}
    assert "35%" not in found
    # a speed compared names what it measures
    found = {c.value: c.metric for c in claims.in_text("Zeta decodes 2.5× faster than the reference kernel.")}
    assert found == {"2.5×": "faster"}
    assert "3 PP" not in {c.value for c in claims.in_text("Our schedule raises the peak memory by only 3 PP stages.")}
    assert {c.value for c in claims.in_text("Our schedule raises the accuracy by 3 pp on every split.")} == {"3 pp"}


def test_citation_lists_and_identifiers_are_not_claims() -> None:
    text = ("Prior work [27, 35] and surveys [1, 2] study this; see doi:10.1145/3581783 and arXiv 2401.01234 "
            "for the 1,200 released samples, whose scores lie within [0.87, 1.26] of the ideal.")
    values = _values(claims.in_text(text))
    assert "[27, 35]" not in values and "[1, 2]" not in values
    assert not any("3581783" in v or "2401.01234" in v or "1145" in v for v in values)
    assert "[0.87, 1.26]" in values and "1,200" in values


def test_a_value_in_brackets_after_another_name_is_not_a_claim() -> None:
    found = {c.value: c.metric for c in claims.in_text("Our model uses 52M pairs and ModelX (38M) is older.")}
    assert found == {"52M": "pairs"}  # "(38M)" is an aside about ModelX, and nothing names it


def test_a_verb_form_ends_the_label_unless_it_qualifies_the_noun_after_it() -> None:
    found = {c.value: c.metric for c in claims.in_text(
        "Zeta needs approximately 30 times fewer sampling steps and covers 7,315 APIs spanning 41 categories.")}
    assert found["30 times"] == "fewer sampling steps"
    assert found["7,315"] == "APIs"


def test_a_quantity_named_before_its_value_names_it_and_headings_and_citation_ranges_are_not_claims() -> None:
    found = {c.value: c.metric for c in claims.in_text(
        "Its low Diff-SSIM of 0.7321 and Accuracy of 71.45% suggest that plain conditioning fails [12,40- 43].")}
    assert found["0.7321"] == "low Diff-SSIM" and found["71.45%"] == "Accuracy"
    assert "43" not in found and "40" not in found
    assert claims.in_text("6.4 Further Studies Which encoder is better for the 3,072 tokens we keep?")[0].value == "3,072"


def test_adjectives_joined_by_and_stay_with_their_noun() -> None:
    found = {c.value: c.metric for c in claims.in_text(
        "We pre-train Zeta on 9.6 trillion diverse and clean tokens, and it calls 6,212 APIs and many tools.")}
    assert found["9.6 trillion"] == "diverse and clean tokens"
    assert found["6,212"] == "APIs"
    found = {c.value: c.metric for c in claims.in_text("We train a 3B-parameter latent diffusion model natively on it.")}
    assert found["3B"] == "parameters (latent diffusion model)"  # what the value counts, of what


def test_training_settings_rank_below_findings_and_an_inference_cost_is_no_setting() -> None:
    text = ("We pretrain the model on 40,000 image-text pairs for 250K steps with a total batch size of 2,048. "
            "Our sampler needs only 64 sampling steps to generate an image, and the model reaches 71.3% accuracy "
            "while the baseline needs 512 steps to generate one.")
    found = claims.in_text(text, weight=1.0, page=3, section="method")
    scores = {c.value: c.score for c in found}
    # how it was trained scores below what it found and what it costs at inference
    assert scores["250K"] < claims.MIN_SCORE <= min(scores["71.3%"], scores["40,000"])
    assert scores.get("2,048", 0.0) < claims.MIN_SCORE
    assert scores["64"] > scores["250K"] and scores["512"] > scores["250K"]


def test_a_definition_and_an_enumeration_are_not_claims() -> None:
    text = ("A win rate above 50% means the model beats the reference. The tool aims to: (1) read the data and "
            "(2) fit 2,310 models.")
    assert _values(claims.in_text(text)) == ["2,310"]


def test_counts_in_words_are_claims_only_of_a_paper_stating_few_numbers() -> None:
    short = _doc(("abstract", 1, "The library ships four inference engines and is tested with 91% coverage."),
                 ("introduction", 1, "Three recent studies use its graph kernels in one of the tasks we list."))
    assert _values(claims.find(short)) == ["91%", "four", "Three"]  # not "one of": nothing counted
    numbers = " ".join(f"It reaches {n}.5% accuracy on task set {n}." for n in range(20, 26))
    long = _doc(("abstract", 1, "The library ships four inference engines. " + numbers))
    assert "four" not in _values(claims.find(long))
    # an abstract alone is no short paper
    assert [k.value for k in claims.from_abstract("Zeta ships four inference engines and reaches 91% coverage.")] == [
        "91%"]


def test_a_change_from_one_value_to_another_is_a_claim_with_the_old_value_as_its_baseline() -> None:
    text = ("We rebalance the mix by moving the share of synthetic data from 6:2:9 to 3:1:2. "
            "Recall rises from 61.4% to 68.9% on the held-out split, from 2018 to 2020.")
    found = {c.value: (c.baseline, c.metric) for c in claims.in_text(text)}
    assert found["3:1:2"] == ("6:2:9", "synthetic data")
    assert found["68.9%"] == ("61.4%", "Recall")
    assert "6:2:9" not in found and "61.4%" not in found  # each is the other's baseline, not a claim of its own
    assert claims.in_text(text)[0].key_number().baseline == "6:2:9"
    # a span of values is no change
    spans = claims.in_text("The sizes of our sets range from 2,048 to 12,288 images.")
    assert [(c.value, c.baseline) for c in spans] == [("2,048 to 12,288", None)]
    assert all(c.baseline is None for c in claims.in_text("Raters scored 1,200 answers on a scale from 1 to 5."))
    # values in two forms are no change: a count and a share
    assert all(c.baseline is None for c in claims.in_text("Recall rises from 61 to 68.9% on our 2,400 queries."))


def test_what_someone_elses_dataset_holds_ranks_below_the_papers_own_data() -> None:
    text = ("The public corpus comprises approximately 3 billion documents from the web. "
            "We add approximately 40 million samples of our own, and our set contains 7,215 scans.")
    scores = {c.value: c.score for c in claims.in_text(text, weight=1.0)}
    assert scores["3 billion"] < claims.MIN_SCORE <= min(scores["40 million"], scores["7,215"])
    # the same size said without describing what the corpus holds is a claim
    plain = {c.value: c.score for c in claims.in_text("The public corpus has approximately 3 billion documents.")}
    assert plain["3 billion"] >= claims.MIN_SCORE


def test_a_maximum_sequence_length_is_a_setting() -> None:
    text = "We use the base model with a maximum supported sequence length of 6144 and reach 3,512 tokens per second."
    scores = {c.value: c.score for c in claims.in_text(text, weight=1.0)}
    assert scores["6144"] < claims.MIN_SCORE <= scores["3,512"]


def test_a_setting_changed_during_training_is_still_a_setting() -> None:
    text = "The batch size is gradually increased from 2048 to 12288 over the first 300B tokens of training."
    assert {c.value: c.score for c in claims.in_text(text, weight=1.0)}["12288"] < claims.MIN_SCORE
    measured = "Our decoder's throughput is raised from 2048 to 12288 tokens per second on one GPU."
    assert any(c.value == "12288" and c.baseline == "2048" and c.score >= claims.MIN_SCORE
               for c in claims.in_text(measured, weight=1.0))


def test_a_change_written_with_its_new_value_has_the_value_stated_before_as_baseline() -> None:
    text = ("The released encoder reads a window length of 1536, which is too short for long logs. "
            "We therefore extend the window length to 6144 with rotary scaling.")
    found = {c.value: (c.baseline, c.metric) for c in claims.in_text(text)}
    assert found["6144"] == ("1536", "window length")
    assert claims.in_text(text)[-1].key_number().baseline == "1536"
    # the earlier value must be the same quantity's, in the same form
    other = "The released encoder reads 1536 tokens per call. We therefore extend the window length to 6144."
    assert all(c.baseline is None for c in claims.in_text(other))
    share = "Its recall is 41.5% on short logs. We raise the recall to 63 on long ones."
    assert all(c.baseline is None for c in claims.in_text(share))
    # a value two sentences back is not the one changed
    far = ("The encoder reads a window length of 1536. It was trained on 4 corpora. "
           "We extend the window length to 6144.")
    assert all(c.baseline is None for c in claims.in_text(far))
    # another kind of the quantity is another quantity; a sequence length extended as a context length is one
    other_kind = "We use a batch size of 320. We then increase the model size to 1536 units."
    assert all(c.baseline is None for c in claims.in_text(other_kind))
    synonym = "It reads a sequence length of 1536 tokens. We extend the context length to 6144 tokens."
    assert {c.value: c.baseline for c in claims.in_text(synonym)}["6144"] == "1536"
    # units are kept and compared; the old value in the same sentence is the baseline, not a claim of its own
    scaled = "It reads a context length of 3K tokens. We extend the context length to 24K tokens with interpolation."
    assert {c.value: c.baseline for c in claims.in_text(scaled)}["24K"] == "3K"
    inline = "The encoder reads a window length of 1536, and we extend the window length to 6144 with scaling."
    assert [(c.value, c.baseline) for c in claims.in_text(inline)] == [("6144", "1536")]


def test_one_value_in_two_scales_is_kept_once() -> None:
    doc = _doc(("abstract", 1, "Training costs only 3.125M GPU hours and beats every rival by 12.5%."),
               ("introduction", 1, "Our pre-training stage is completed in 3125K GPU hours on our cluster."))
    values = _values(claims.find(doc))
    assert "3.125M" in values and "3125K" not in values  # the abstract's mention scores best


def test_a_value_set_against_a_rivals_in_brackets_has_it_as_baseline() -> None:
    found = claims.in_text("Our sampler reaches a higher recall (81.5%) than the original sampler (77.25%) on the "
                           "held-out split.")
    assert [(c.value, c.baseline, c.metric) for c in found] == [("81.5%", "77.25%", "higher recall")]
    # two forms (a share against a count) are no comparison of one measure
    found = claims.in_text("Our sampler reaches a higher recall (81.5%) than the original sampler (772) on the split.")
    assert all(c.baseline is None for c in found)


def test_the_hardware_of_a_run_whose_duration_is_given_is_that_durations_setting() -> None:
    def scores(text: str) -> dict[str, float]:
        return {c.value: c.score for c in claims.in_text(text, weight=1.0)}

    timed = scores("Pretraining took about 6/11 days on a cluster of 12/24 nodes for the small/large model.")
    assert timed["12/24"] < claims.MIN_SCORE <= timed["6/11"]
    assert scores("Our run costs 1.7M GPU hours on 4,096 Hopper GPUs in all.")["4,096"] < claims.MIN_SCORE
    # a result next to the hardware is no count of it
    assert scores("Ours reaches a score of 61.3 with 48 GPUs in 5 days.")["61.3"] >= claims.MIN_SCORE
    # without a duration the hardware is a claim: no run time, or an amount of data measured in hours
    assert scores("The base model is trained on 72 Hopper GPUs with a total batch size of 1,536.")["72"] >= claims.MIN_SCORE
    assert scores("We record 1,000 hours of speech from 3,072 devices in the field.")["3,072"] >= claims.MIN_SCORE


def test_a_multiplication_sign_before_hardware_counts_it_and_is_no_factor() -> None:
    found = claims.in_text("Each node of the cluster holds 6 × Hopper GPUs joined by a fast interconnect.")
    assert [c.value for c in found if c.value.startswith("6")] == ["6"]
    # before anything else the sign is a factor
    found = claims.in_text("Our kernel is 6 × faster than the reference implementation on long inputs.")
    assert [c.value for c in found if c.value.startswith("6")] == ["6 ×"]
    found = claims.in_text("The sparse variant reaches the same loss with 3× fewer GPUs than the dense one.")
    assert [c.value for c in found if c.value.startswith("3")] == ["3×"]
    found = claims.in_text("Our kernel runs 5× faster on GPUs than the reference implementation.")
    assert [c.value for c in found if c.value.startswith("5")] == ["5×"]


def test_a_count_drawn_at_random_to_build_the_data_ranks_below_a_finding() -> None:
    drawn = claims.in_text("For each query we randomly select 3-7 documents from the same topic as its context.")
    found = claims.in_text("For each query we select 3-7 documents from the same topic as its context.")
    assert drawn and found and drawn[0].score < found[0].score


def test_a_value_after_than_that_names_the_authors_own_is_ours_and_the_first_its_baseline() -> None:
    found = claims.in_text("The teacher is trained on a far larger corpus (120M) than that of our student encoder "
                           "(15M), which explains the gap.")
    assert [(c.value, c.baseline, c.metric) for c in found] == [("15M", "120M", "student encoder")]
    # sizes in two units are no comparison of one measure
    found = claims.in_text("The teacher is trained on a far larger corpus (2B) than that of our student (15M).")
    assert all(c.baseline is None for c in found)
    # where what the first value belongs to is ours too, the first is ours ("than our baseline")
    found = claims.in_text("Our student reaches a higher accuracy (85.25%) than our earlier baseline (80.5%) on the "
                           "held-out split.")
    assert [(c.value, c.baseline) for c in found] == [("85.25%", "80.5%")]
    # a year is never a value in such a comparison, first or second
    found = claims.in_text("The method of Lee et al. (2019) than our student model (95) is older.")
    assert all(c.baseline != "2019" and c.value != "2019" for c in found)


def test_values_paired_item_by_item_with_names_are_labelled_each_by_its_own_name() -> None:
    def read(text: str) -> list[tuple[str, str]]:
        return [(c.value, c.metric) for c in claims.in_text(text)]
    text = "Finally, we keep 71234, 65432, and 23456 samples for T1, T2, and T3, respectively, after filtering them."
    assert read(text) == [("71234", "samples for T1"), ("65432", "samples for T2"), ("23456", "samples for T3")]
    text = "In total, we wrote 13 / 47 seed prompts for the short-form / long-form setting of our benchmark."
    assert read(text) == [("13", "seed prompts (short-form)"), ("47", "seed prompts (long-form)")]
    # names that cannot be paired one by one: no label of its own, no claim
    assert read("Finally, we keep 71234 and 65432 samples for T1, T2 and T3, respectively, after filtering.") == []
    # a list of values that the sentence does not pair with names is still a list of claims
    text = "We keep 71234 samples and discard 65432 noisy ones, which leaves a cleaner set for training."
    assert [c.value for c in claims.in_text(text)] == ["71234", "65432"]
    # a paired value ranks below the same value quoted alone
    alone = claims.in_text("Finally, we keep 71234 samples for T1 after filtering them.")
    listed = claims.in_text("Finally, we keep 71234 and 65432 samples for T1 and T2, respectively, after filtering.")
    assert alone[0].score > listed[0].score


def test_what_someone_elses_corpus_totals_is_ranked_below_our_claims() -> None:
    theirs = claims.in_text("The public corpus holds many web pages and totals 3.7 terabytes of curated text.")
    ours = claims.in_text("Our model holds many web pages and reaches 3.7 terabytes of curated text.")
    assert theirs and ours and theirs[0].score < ours[0].score
    # "span" the verb, not the noun of a metric's name
    level = claims.in_text("The tagger reaches a span-level F1 of 91.25 on the held-out news articles.")
    token = claims.in_text("The tagger reaches a token-level F1 of 91.25 on the held-out news articles.")
    assert level and token and level[0].score == token[0].score
    spanned = claims.in_text("The test cities were picked so that they span roughly a 40× range of traffic.")
    found = claims.in_text("The test cities were picked so that they show roughly a 40× range of traffic.")
    assert spanned and found and spanned[0].score < found[0].score


def test_words_broken_at_a_line_end_are_joined_the_way_the_paper_prints_them() -> None:
    vocabulary = words_of("All submissions are image-to-video; each is item-level. Some are pre-trained.")
    text = "We keep 412 submis- sions of image- to-video, 5 item- level, pre- and post-training runs."
    assert rejoin_words(text, vocabulary) == (
        "We keep 412 submissions of image-to-video, 5 item-level, pre- and post-training runs.")


def test_a_label_read_backwards_stops_at_another_count() -> None:
    found = claims.in_text("The Zeta family includes three model sizes: 3B and 9B, which shows that the method scales.")
    assert ("3B", "model sizes") in [(c.value, c.metric) for c in found]


def test_a_year_or_a_citation_in_brackets_is_no_rivals_value() -> None:
    for text in ("Our sampler reaches a higher recall (72.5) than the method of Lee and Kim (2021) on the split.",
                 "Our sampler reaches a higher recall (85.25) than the method in (12) on the held-out split."):
        assert all(c.baseline is None for c in claims.in_text(text))


def test_values_with_units_paired_with_names_are_labelled_each_by_its_own_name() -> None:
    text = "Our model reaches 45.5% and 38.5% accuracy on Quux and Corge, respectively, in the held-out tests."
    assert [(c.value, c.metric) for c in claims.in_text(text)] == [("45.5%", "accuracy on Quux"),
                                                                  ("38.5%", "accuracy on Corge")]


def test_a_time_printed_against_its_number_is_what_the_clause_takes() -> None:
    found = claims.in_text("The small variant runs on one laptop GPU to render a 12s 480p scene in 27s.")
    assert [(c.value, c.metric) for c in found] == [("27s", "time to render a 12s 480p scene")]
    found = claims.in_text("It keeps a 0.35s first-token delay for each 12s scene that our users asked for.")
    assert ("0.35s", "first-token delay") in [(c.value, c.metric) for c in found]
    assert "12s" not in _values(found)  # each scene's length: what was asked for, not how fast


def test_a_licence_version_is_no_key_number() -> None:
    found = claims.in_text("We release the corpus under an Apache 2.0 licence and the 5,400 captions under CC BY 4.0 terms.")
    assert _values(found) == ["5,400"]


def test_a_sentence_opening_on_a_setting_gives_its_claims_that_setting() -> None:
    found = claims.in_text("On the long split: at 65% pruning, Zeta needs 6× fewer FLOPs and reaches 98.5% accuracy.")
    assert [(c.value, c.setting) for c in found] == [("6×", "at 65% pruning"), ("98.5%", "at 65% pruning")]
    found = claims.in_text("Zeta keeps comparable image quality at 12× higher throughput on one GPU.")
    assert [(c.value, c.setting) for c in found] == [("12×", None)]  # a result, where no comma ends a setting


def test_a_lead_over_a_rival_is_named_by_the_rival_and_what_it_is_measured_in() -> None:
    found = claims.in_text("On the hard split, Zeta surpasses Rival-9B by 12.5 points, though it saw less data.")
    assert [(c.value, c.metric) for c in found] == [("12.5 points", "margin over Rival-9B")]
    found = claims.in_text("Zeta outperforms the previous best sampler by 1.7% on Quux in every run we made.")
    assert [(c.value, c.metric) for c in found] == [("1.7%", "margin over previous best sampler on Quux")]
    found = claims.in_text("Zeta beats Rival-A by a wide margin of 6.5 points in win rate on the long prompts.")
    assert [(c.value, c.metric) for c in found] == [("6.5 points", "margin over Rival-A in win rate")]
    # a measure named before "by" names the change; a count of points is no lead
    assert [c.metric for c in claims.in_text("Our method improves accuracy by 3.5% over the baseline here.")] == [
        "accuracy improvement"]
    # (and "2,048", printed with a comma, is no year)
    assert [c.value for c in claims.in_text("We sample 2,048 points from each shape to train the encoder.")] == ["2,048"]


def test_a_setting_opens_only_on_at_or_under_and_is_given_only_to_the_claims_after_it() -> None:
    found = claims.in_text("With 91.5% accuracy, Zeta sets a new state of the art on the Quux benchmark here.")
    assert [(c.value, c.setting) for c in found] == [("91.5%", None)]  # a result, not a setting
    found = claims.in_text("Zeta reaches 81.5% accuracy on Quux; at 65% pruning, it needs 6× fewer FLOPs than before.")
    assert [(c.value, c.setting) for c in found] == [("81.5%", None), ("6×", "at 65% pruning")]
    found = claims.in_text("Under Apache 2.0, we release 3 models and 12,500 prompts for the community to use.")
    assert all(c.setting is None for c in found) and "12,500" in _values(found)


def test_leads_in_a_list_and_leads_in_a_named_measure_are_each_labelled_by_their_rival() -> None:
    found = claims.in_text("Zeta outperforms Rival-A by 3.5 points and Rival-B by 1.5 points on Quux.")
    assert [(c.value, c.metric) for c in found] == [("3.5 points", "margin over Rival-A"),
                                                    ("1.5 points", "margin over Rival-B on Quux")]
    found = claims.in_text("Zeta outperforms Rival-A in FID by 2.5 on the held-out split of Quux.")
    assert [(c.value, c.metric) for c in found] == [("2.5", "margin over Rival-A in FID")]
    # words running on into another clause are no rival's name
    found = claims.in_text("In all tests Zeta outperforms Rival-A and reduces memory by 45% on one GPU.")
    assert [(c.value, c.metric) for c in found] == [("45%", "memory reduction")]
    assert _values(claims.in_text("Zeta improves the score by 4.25 percentage points over Rival-A.")) == [
        "4.25 percentage points"]


def test_a_time_is_not_named_by_another_time_nor_read_as_a_clips_length() -> None:
    assert "60s" not in _values(claims.in_text("Zeta denoises the whole 60s clip in 25s on one GPU with our kernels."))
    found = claims.in_text("In our tests an 8s clip is denoised in 3s on one GPU.")
    assert all("8s" not in c.metric for c in found)


def test_a_number_joined_by_a_hyphen_to_the_word_after_it_describes_that_word_and_counts_nothing() -> None:
    found = claims.from_abstract("The tracker recovers 7-DoF gripper trajectories and 3-bit codes from 8,200 robot videos, "
                                 "and a 12-fold larger corpus of 40-million-frame clips.")
    assert [k.value for k in found] == ["40 million", "8,200", "12-fold"]
    assert _values(claims.in_text("Zeta decodes 7-times faster than the best rival on every task.")) == ["7-times"]


def test_a_lead_is_named_by_its_rival_when_a_long_name_and_a_setting_stand_between_verb_and_value() -> None:
    found = claims.in_text("The resulting sampler, ours, surpasses the strongest 8-step block-wise Rival Forcing "
                           "baseline under the frame-wise 3-step setting by 0.4 in Quux Total, while halving latency.")
    assert [c.metric for c in found if c.value == "0.4"] == [
        "margin over strongest 8-step block-wise Rival Forcing baseline in Quux Total"]
    # a setting that runs on into another clause is no lead's: what that clause lowers is named
    found = claims.in_text("Zeta outperforms Rival under the same compute budget while our scheduler also lowers the "
                           "peak memory of training by 35%.")
    assert [(c.value, c.metric) for c in found] == [("35%", "reduction in peak memory of training")]


def test_a_size_printed_after_a_name_with_a_digit_is_part_of_that_name_unless_it_counts_something() -> None:
    found = claims.in_text("With only 14B parameters, Zeta-2 beats Quux3.5 32B Base and Vega-1.2 70B Instruct on every task.")
    assert _values(found) == ["14B"]
    found = claims.in_text("We pre-train on Clips-700 310K videos and Pairs-9B 4.1B image-text pairs for the encoder.")
    assert [(c.value, c.metric) for c in found] == [("310K", "videos"), ("4.1B", "image-text pairs")]


def test_a_value_written_against_another_has_it_as_baseline_and_is_named_as_a_lone_value_is() -> None:
    found = claims.in_text("Zeta reaches an LPIPS of 0.287 compared to 0.064 for the baseline, and 91.5% accuracy "
                           "versus Rival-B's 86.5% on the test set.")
    assert [(c.value, c.metric, c.baseline) for c in found] == [("0.287", "LPIPS", "0.064"),
                                                                 ("91.5%", "accuracy", "86.5%")]
    # a value of another form is no baseline: a count of methods, a year; two counts of one noun are no result
    found = claims.in_text("It reaches 82% accuracy compared to the previous 3 methods of 2021.")
    assert [(c.value, c.baseline) for c in found] == [("82%", None), ("3", None)]
    found = claims.in_text("We train on 8 vs 16 GPUs in the two runs of the study.")
    assert [(c.value, c.baseline) for c in found if c.value == "16"] == [("16", None)]
    # a change comes first: "from 71.5% to 74.5%" against its old value, the rival's after "versus" aside
    found = claims.in_text("Top-1 accuracy improves from 71.5% to 74.5% versus 73.5% for Rival-V on the test set.")
    assert [(c.value, c.metric, c.baseline) for c in found] == [("74.5%", "Top-1 accuracy", "71.5%")]
    # a list of shares paired with names by a slash is no range
    found = claims.in_text("It achieves 41.5%/36.5% on Quux/Vega, respectively, for the base model.")
    assert [(c.value, c.metric) for c in found] == [("41.5%", "Quux"), ("36.5%", "Vega")]


def test_a_change_by_an_amount_is_named_by_what_changes_and_how() -> None:
    found = claims.in_text("Zeta speeds up decoding by 1.25× to 1.45×, while cutting first-token latency by 45% and "
                           "Stage 3 tuning cost by ~3×.")
    assert [(c.value, c.metric) for c in found] == [("1.25× to 1.45×", "decoding speed-up"),
                                                     ("45%", "first-token latency reduction"),
                                                     ("3×", "Stage 3 tuning cost reduction")]
    # a pronoun or another clause's verb is no changed thing; a setting in a lead's clause may hold "and"
    assert [c.metric for c in claims.in_text("Our cache keeps the outputs and reduces them by 45%.")] != [
        "them reduction"]
    found = claims.in_text("Latency is reduced by 35% and accuracy increased by 2.5% with the new cache.")
    assert [(c.value, c.metric) for c in found] == [("35%", "Latency"), ("2.5%", "accuracy")]
    found = claims.in_text("Zeta outperforms Rival-A under the same budget and data by 2.5 points on Quux.")
    assert [(c.value, c.metric) for c in found] == [("2.5 points", "margin over Rival-A on Quux")]


def test_a_lower_bound_written_with_a_plus_keeps_it() -> None:
    found = claims.in_text("Zeta streams video at 31+ FPS on a single GPU and calls 300+ tools, in C++ code.")
    assert [(c.value, c.metric) for c in found] == [("31+", "FPS on a single GPU"), ("300+", "tools")]
