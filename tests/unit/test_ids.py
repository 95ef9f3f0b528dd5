"""summarizer.ingest.ids: what a user may paste as an arXiv id, and what they are told when it is not one."""

from __future__ import annotations

import dataclasses

import pytest

from summarizer.errors import BadInput, InvalidArxivId
from summarizer.ingest import ids
from summarizer.ingest.ids import ArxivId


@pytest.mark.parametrize(
    ("text", "base", "version"),
    [
        ("2501.12948", "2501.12948", None),
        ("2501.12948v2", "2501.12948", 2),
        ("2501.12948v12", "2501.12948", 12),
        ("0704.0001", "0704.0001", None),  # the first new-style id
        ("1412.9999v1", "1412.9999", 1),  # last month with 4 digits
        ("1501.00001", "1501.00001", None),  # first month with 5 digits
        ("  2501.12948 \n", "2501.12948", None),
        ("arXiv:2501.12948v2", "2501.12948", 2),
        ("arxiv: 2501.12948", "2501.12948", None),
        ("ARXIV:2501.12948", "2501.12948", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9901001v3", "hep-th/9901001", 3),
        ("math.GT/0309136", "math.GT/0309136", None),
        ("cond-mat.mes-hall/0601001v1", "cond-mat.mes-hall/0601001", 1),
        ("solv-int/9901001v2", "solv-int/9901001", 2),
        ("arXiv:hep-th/9901001", "hep-th/9901001", None),
        ("https://arxiv.org/abs/2501.12948", "2501.12948", None),
        ("https://arxiv.org/abs/2501.12948v2", "2501.12948", 2),
        ("https://arxiv.org/abs/2501.12948v2/", "2501.12948", 2),
        ("http://arxiv.org/abs/2501.12948", "2501.12948", None),
        ("https://www.arxiv.org/abs/2501.12948", "2501.12948", None),
        ("https://export.arxiv.org/abs/2501.12948v1", "2501.12948", 1),
        ("https://arxiv.org/pdf/2501.12948", "2501.12948", None),
        ("https://arxiv.org/pdf/2501.12948v2", "2501.12948", 2),
        ("https://arxiv.org/pdf/2501.12948v2.pdf", "2501.12948", 2),
        ("https://arxiv.org/pdf/2501.12948.pdf", "2501.12948", None),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001", None),
        ("https://arxiv.org/pdf/math.GT/0309136v1.pdf", "math.GT/0309136", 1),
        ("https://arxiv.org/abs/2501.12948?context=cs", "2501.12948", None),
        ("https://arxiv.org/abs/2501.12948#section", "2501.12948", None),
        ("HTTPS://ARXIV.ORG/abs/2501.12948", "2501.12948", None),
        ("arxiv.org/abs/2501.12948", "2501.12948", None),
        ("  https://arxiv.org/abs/2501.12948v2  ", "2501.12948", 2),
    ],
)
def test_pasted_ids_and_urls_are_accepted(text: str, base: str, version: int | None) -> None:
    parsed = ids.parse(text)
    assert (parsed.base, parsed.version) == (base, version)
    assert ids.looks_like_id(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("hello", "YYMM.NNNNN"),
        ("2501.1294", "5 digits"),  # 2015 on: five digits
        ("1412.12345", "4 digits"),  # before 2015: four digits
        ("2513.12948", "month 13"),
        ("2500.12948", "month 00"),
        ("0612.1234", "0704"),  # before the new scheme began
        ("2501.00000", "0001"),
        ("2501.12948v0", "v1"),
        ("2501.12948v01", "v1"),
        ("2501.12948v", "version"),
        ("2501.12948vx", "version"),
        ("2501.12948 v2", "spaces"),
        ("2501.12948.pdf", ".pdf"),
        ("foo-th/9901001", "not an arXiv archive"),
        ("hep-th/99010011", "7 digits"),
        ("hep-th/9913001", "month 13"),
        ("hep-th/0801001", "9108 to 0703"),  # the old scheme ended in March 2007
        ("hep-th/9001001", "9108 to 0703"),
        ("9901001", "archive"),
        ("https://example.org/abs/2501.12948", "not arxiv.org"),
        ("https://arxiv.org.evil.com/abs/2501.12948", "not arxiv.org"),
        ("ftp://arxiv.org/abs/2501.12948", "scheme"),
        ("https://arxiv.org/list/cs.AI/recent", "/abs/<id>"),
        ("https://arxiv.org/abs/", "/abs/<id>"),
        ("https://arxiv.org/abs/2501.1294", "5 digits"),
        ("doi:10.48550/arXiv.2501.12948", "paste the id after 'arXiv.' (2501.12948)"),
    ],
)
def test_anything_else_is_rejected_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidArxivId) as caught:
        ids.parse(text)
    message = str(caught.value)
    assert reason in message
    assert repr(text) in message  # the user sees what they typed
    assert "expected e.g." in message  # and what would have worked
    assert not ids.looks_like_id(text)


def test_invalid_id_is_bad_input_with_exit_code_2() -> None:
    with pytest.raises(BadInput) as caught:
        ids.parse("not an id")
    assert caught.value.exit_code == 2


def test_full_and_str_carry_the_version_when_known() -> None:
    assert ids.parse("2501.12948v2").full == "2501.12948v2"
    assert str(ids.parse("2501.12948v2")) == "2501.12948v2"
    assert ids.parse("2501.12948").full == "2501.12948"
    assert str(ids.parse("hep-th/9901001v1")) == "hep-th/9901001v1"


def test_ids_are_frozen_hashable_values() -> None:
    a, b = ids.parse("arXiv:2501.12948v2"), ids.parse("https://arxiv.org/pdf/2501.12948v2.pdf")
    assert a == b and hash(a) == hash(b)
    assert len({a, b, ids.parse("2501.12948")}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.version = 3  # type: ignore[misc]  # on purpose: an id is frozen


def test_with_version_and_old_style_flag() -> None:
    plain = ids.parse("hep-th/9901001")
    assert plain.with_version(2) == ArxivId("hep-th/9901001", 2)
    assert plain.with_version(2).with_version(None) == plain
    assert plain.is_old_style and not ids.parse("2501.12948").is_old_style


def test_constructing_an_id_directly_is_validated_too() -> None:
    with pytest.raises(InvalidArxivId, match="month 13"):
        ArxivId("2513.12948")
    with pytest.raises(InvalidArxivId, match="v1"):
        ArxivId("2501.12948", 0)


def test_non_strings_are_rejected() -> None:
    with pytest.raises(InvalidArxivId):
        ids.parse(2501.12948)  # type: ignore[arg-type]  # on purpose: a float, not a str
