"""The packaged MiniLM embedder: shape, normalisation, determinism and that similar texts land close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from summarizer.model.embeddings import DIM, MiniLMEmbedder, get_embedder

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return get_embedder()


def _cos(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))  # vectors are unit length


def test_vectors_are_384_floats_of_unit_length(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.embed(["A transformer for tool use.", "", "x " * 2000])
    assert len(vectors) == 3
    for v in vectors:
        assert len(v) == DIM
        assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-5


def test_the_same_text_gives_the_same_vector_alone_or_in_any_batch(embedder: MiniLMEmbedder) -> None:
    text = "We fine-tune LLaMA on 16k real-world APIs."
    alone = embedder.embed([text])[0]
    again = embedder.embed([text])[0]
    mixed = embedder.embed(["short", "a much longer neighbour " * 60, text], batch_size=2)[2]
    assert alone == again
    np.testing.assert_allclose(alone, mixed, atol=1e-6)


def test_an_empty_list_embeds_to_nothing(embedder: MiniLMEmbedder) -> None:
    assert embedder.embed([]) == []


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(embedder: MiniLMEmbedder) -> None:
    anchor, paraphrase, unrelated = embedder.embed([
        "The model answers questions by calling external APIs.",
        "The system uses outside tools through API calls to respond to queries.",
        "Quarterly revenue of the regional bank fell by ten percent.",
    ])
    assert _cos(anchor, paraphrase) > 0.5
    assert _cos(anchor, paraphrase) > _cos(anchor, unrelated) + 0.3


def test_texts_are_read_up_to_256_tokens_not_the_shipped_128(embedder: MiniLMEmbedder) -> None:
    # the shipped tokenizer.json truncates at 128; the model was trained on 256 (sentence-transformers)
    head_200, head_254 = "token " * 200, "token " * 254  # one token each; + [CLS] and [SEP]
    a, b, c, d = embedder.embed([
        head_200 + "alpha " * 40, head_200 + "omega " * 40,  # differ at tokens 201-240: read
        head_254 + "alpha " * 40, head_254 + "omega " * 40,  # differ after token 256: cut off
    ])
    assert _cos(a, b) < 0.999
    assert c == d


def test_the_process_loads_the_model_once() -> None:
    assert get_embedder() is get_embedder()


def test_a_dfsdt_pass_rate_question_finds_toolllm_page_8_over_another_paper(
    embedder: MiniLMEmbedder,
) -> None:
    toolllm = PdfReader(FIXTURES / "toolllm_iclr2024.pdf").pages[7].extract_text()
    gpjax = PdfReader(FIXTURES / "gpjax_joss.pdf")
    # crude 1200-character windows: enough to check retrieval without the chunking stage
    candidates = [("toolllm p8", toolllm[i:i + 1200]) for i in range(0, len(toolllm), 1050)]
    for page in gpjax.pages:
        text = page.extract_text()
        candidates += [("gpjax", text[i:i + 1200]) for i in range(0, len(text), 1050)]
    query, *vectors = embedder.embed(
        ["pass rate of DFSDT compared with ReACT"] + [text for _, text in candidates]
    )
    scores = [_cos(query, v) for v in vectors]
    ranked = sorted(zip(scores, [label for label, _ in candidates], strict=True), reverse=True)
    assert ranked[0][1] == "toolllm p8"
    assert max(s for s, label in ranked if label == "gpjax") < ranked[0][0] - 0.2
