"""Publication facts a PDF prints about itself: DOI, dates, volume and issue, citation year, funding.

Journal and software-paper PDFs (JOSS, JMLR, Springer, Elsevier ...) print a side bar or header with the
paper's DOI and its submitted / accepted / published dates, a footer citing the paper itself ("Pinder &
Dodd (2022). GPJax: ... Journal of Open Source Software, 7(75), 4455."), and an acknowledgements paragraph
naming grants. Editors quote these; each is copied exactly as printed, with its page, as a key number of
section "metadata". Only labelled fields are read: a DOI in the reference list is another paper's.
"""

from __future__ import annotations

import re

from summarizer.card import KeyNumber
from summarizer.document import Document
from summarizer.numbers.normalise import normalize_text
from summarizer.numbers.results import squash

__all__ = ["facts"]

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = rf"\d{{1,2}} {_MONTH},? \d{{4}}|{_MONTH} \d{{1,2}},? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"
_DATED = re.compile(
    rf"\b(Submitted|Received|Revised|Accepted|Published(?: online)?|Available online)\b:?\s*"
    rf"(?:on\s)?({_DATE}|unpublished|in press)", re.IGNORECASE)
# templates print the Unix epoch until the journal fills the date in
_PLACEHOLDER_DATES = {"01 January 1970", "1 January 1970", "January 1, 1970", "1970-01-01"}
_DOI = re.compile(r"\bDOI:?\s*(10\.[\w]+/[^\s,;]+[\w])", re.IGNORECASE)
# the paper citing itself in a footer: "(2022). Title. Journal Name, 7(75), 4455."
_SELF_CITATION = re.compile(
    r"\((\d{4})\)\.\s+(?P<title>[^()]{10,300}?)\.\s+(?P<journal>[A-Z][A-Za-z&:,' -]{3,120}?),\s*"
    r"(?:(?P<volume>\d+)\s?\((?P<issue>\d+)\),\s*(?P<article>\d+)|¿VOL\?)")
_FUNDING_SENTENCE = re.compile(r"\b(?:grant|funded|funding|supported by|programme|program|fellowship)\b",
                               re.IGNORECASE)
# "AN-23-IACL-0008", "grant 101071601", "grant number IH200100009"
_GRANT_ID = re.compile(
    r"(?<![\w-])(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z][A-Z0-9]*(?:-[A-Z0-9]+){2,}(?![\w-])"
    r"|(?<=grant )\d{6,}|(?<=number )[A-Z]{0,3}\d{6,}|(?<=Grant )\d{6,}")
_PROGRAMME = re.compile(r"\b([A-Z][a-z]+ (?:19|20)\d\d)\s+(?:program|programme|strategy|plan)\b")
_PERIOD = re.compile(r"\((?:19|20)\d\d-(?:19|20)\d\d\)")


def facts(doc: Document) -> list[KeyNumber]:
    """DOI, dates and the self-citation's numbers from the first pages; grants from the acknowledgements."""
    found: list[KeyNumber] = []
    seen: set[str] = set()

    def add(metric: str, value: str, page: int, context: str) -> None:
        if value not in seen:
            seen.add(value)
            found.append(KeyNumber(metric=metric, value=value, context=context[:240], section="metadata",
                                   page=page))

    texts = [normalize_text(page.text) for page in doc.pages]
    for page, text in zip(doc.pages[:2], texts, strict=False):
        if (doi := _DOI.search(text)) is not None:
            add("DOI", doi.group(1), page.number, doi.group(0))
        for dated in _DATED.finditer(text):
            if dated.group(2) in _PLACEHOLDER_DATES:
                continue
            add(f"{dated.group(1).lower()} date", dated.group(2), page.number, dated.group(0))
    for page, text in zip(doc.pages, texts, strict=True):
        # the self-citation repeats in every page's footer: the first one is enough
        if (cite := _self_citation(text, doc.title)) is not None:
            context = cite.group(0)
            add("citation year", cite.group(1), page.number, context)
            if cite.group("volume"):
                volume = f"{cite.group('volume')} ({cite.group('issue')})"
                add(f"volume (issue), {cite.group('journal')}", volume, page.number, context)
                add("article number", cite.group("article"), page.number, context)
            break
    for section in doc.sections:
        if not re.search(r"acknowledg|funding", section.heading, re.IGNORECASE):
            continue
        for part in section.parts:
            for sentence in re.split(r"(?<=[.!?])\s+", normalize_text(part.text)):
                if not _FUNDING_SENTENCE.search(sentence):
                    continue
                for match in (*_PROGRAMME.finditer(sentence), *_GRANT_ID.finditer(sentence),
                              *_PERIOD.finditer(sentence)):
                    value = match.group(1) if match.re is _PROGRAMME else match.group(0)
                    add("funding", value, part.page, sentence)
    return found


def _self_citation(text: str, title: str | None) -> re.Match[str] | None:
    for match in _SELF_CITATION.finditer(text):
        if title is None or squash(match.group("title"))[:30] == squash(title)[:30]:
            return match
    return None
