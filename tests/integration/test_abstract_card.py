"""A card drafted from an arXiv listing alone (no PDF) is headed the way a full card is: name and tagline."""

from __future__ import annotations

import json

import pytest

from summarizer.drafting import abstract
from summarizer.model import llm
from summarizer.settings import LLMSettings, Settings
from tests.fakes.fake_llm import FakeLLM, schema_answer

pytestmark = pytest.mark.integration


def test_an_abstract_card_takes_the_defined_name_and_a_tagline_without_the_name_repeated(
        fake_llm: FakeLLM, tiny_settings: Settings) -> None:
    model = llm.LLM(LLMSettings(base_url=fake_llm.url), fake_llm.url, "fake", local=False)
    listing = abstract.Listing(arxiv_id="2501.00002", title="One-Step Widget Making via Repeated Folding",
                               abstract="Widgets are slow to make. We introduce Repeated-Fold Widget Maker (RFWM), "
                                        "which folds a widget in one step and reaches 71.5% accuracy.")
    assert abstract.summarize(listing, model, tiny_settings).name == "RFWM"

    def headline_repeating_the_name(request: dict[str, object]) -> str:
        answer = json.loads(schema_answer(request))
        if "headline" in answer:
            answer["headline"] = "Zeta: one-step widgets for everyone"
        return json.dumps(answer)

    fake_llm.default = headline_repeating_the_name
    listing = abstract.Listing(arxiv_id="2501.00003", title="Zeta: Fast Widgets for Everyone",
                               abstract="We fold widgets in one step and reach 71.5% accuracy.")
    card = abstract.summarize(listing, model, tiny_settings)
    assert (card.name, card.headline) == ("Zeta", "one-step widgets for everyone")
