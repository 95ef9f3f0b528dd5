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
from summarizer.numbers.row_roles import squash

__all__ = ["facts"]

_FIRST_PAGES = 2  # DOI and dates are printed on the first pages; a DOI further on is a reference's
_CONTEXT_CHARS = 240  # the text quoted with a fact, cut to a card's line
_TITLE_PREFIX_CHARS = 30  # a self-citation's title is compared on its start: long titles wrap or are cut

# _MONTH and _DATE are verbose-mode fragments of _DATED: usable only in a pattern compiled with re.VERBOSE
# a month, in full or abbreviated, perhaps with a dot: "January", "Sept", "Jan."
_MONTH = r"""
    (?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?  # January to August
      |Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?                  # September to December
    )\.?
"""
# a date as journals print it
_DATE = rf"""
    \d{{1,2}}\ {_MONTH},?\ \d{{4}}   # day first: "12 May 2022", "5 Jan. 2020"
    |{_MONTH}\ \d{{1,2}},?\ \d{{4}}  # month first: "January 5, 2020"
    |\d{{4}}-\d{{2}}-\d{{2}}         # ISO: "2021-03-04"
"""
# a labelled date: "Submitted: 12 May 2022", "Published online 3 June 2021", "Accepted on 4 July 2022"
_DATED = re.compile(
    rf"""
    \b(Submitted|Received|Revised|Accepted          # the event dated
      |Published(?:\ online)?|Available\ online
    )\b:?\s*
    (?:on\s)?
    ({_DATE}|unpublished|in\ press)                 # its date, or why there is none yet
    """,
    re.IGNORECASE | re.VERBOSE,
)
# templates print the Unix epoch until the journal fills the date in
_PLACEHOLDER_DATES = {"01 January 1970", "1 January 1970", "January 1, 1970", "1970-01-01"}
# a labelled DOI: "DOI: 10.21105/joss.04455" (the last character a letter or digit, not punctuation)
_DOI = re.compile(r"\bDOI:?\s*(10\.[\w]+/[^\s,;]+[\w])", re.IGNORECASE)
# the paper citing itself in a footer: "(2022). Title. Journal Name, 7(75), 4455."
_SELF_CITATION = re.compile(
    r"""
    \((\d{4})\)\.\s+                                  # the year: "(2022). "
    (?P<title>[^()]{10,300}?)\.\s+                    # the title: "GPJax: A Gaussian Process ... JAX. "
    (?P<journal>[A-Z][A-Za-z&:,'\ -]{3,120}?),\s*     # the journal: "Journal of Open Source Software, "
    (?P<volume>\d+)\s?\((?P<issue>\d+)\),\s*(?P<article>\d+)  # volume (issue), article: "7(75), 4455"
    """,
    re.VERBOSE,
)
# a sentence about funding
_FUNDING_SENTENCE = re.compile(
    r"""
    \b(?:
        grant|funded|funding|supported\ by   # money given
        |programme|program|fellowship        # a scheme giving it
    )\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# "AN-23-IACL-0008", "grant 101071601", "grant number IH200100009"
_GRANT_ID = re.compile(
    r"""
    (?<![\w-])                              # a whole token ...
    (?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])     # ... with a digit and a capital letter ...
    [A-Z][A-Z0-9]*(?:-[A-Z0-9]+){2,}        # ... in three or more hyphenated parts: "AN-23-IACL-0008"
    (?![\w-])
    |(?<=grant\ )\d{6,}                     # a long number after "grant": "grant 101071601"
    |(?<=number\ )[A-Z]{0,3}\d{6,}          # after "number", perhaps with a prefix: "number IH200100009"
    |(?<=Grant\ )\d{6,}                     # after "Grant": "Grant 101071601"
    """,
    re.VERBOSE,
)


def facts(doc: Document) -> list[KeyNumber]:
    """DOI, dates and the self-citation's numbers from the first pages; grants from the acknowledgements."""
    found: list[KeyNumber] = []
    seen: set[str] = set()

    def add(metric: str, value: str, page: int, context: str) -> None:
        if value not in seen:
            seen.add(value)
            found.append(KeyNumber(metric=metric, value=value, context=context[:_CONTEXT_CHARS],
                                   section="metadata", page=page))

    texts = [normalize_text(page.text) for page in doc.pages]
    for page, text in zip(doc.pages[:_FIRST_PAGES], texts, strict=False):
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
            volume = f"{cite.group('volume')} ({cite.group('issue')})"
            add(f"volume (issue), {cite.group('journal')}", volume, page.number, context)
            add("article number", cite.group("article"), page.number, context)
            break
    for section in doc.sections:
        # an acknowledgements or funding section
        if not re.search(r"acknowledg|funding", section.heading, re.IGNORECASE):
            continue
        for part in section.parts:
            # split into sentences after end punctuation
            for sentence in re.split(r"(?<=[.!?])\s+", normalize_text(part.text)):
                if not _FUNDING_SENTENCE.search(sentence):
                    continue
                for match in _GRANT_ID.finditer(sentence):  # grant ids only: a programme's name is no number
                    add("funding", match.group(0), part.page, sentence)
    return found


def _self_citation(text: str, title: str | None) -> re.Match[str] | None:
    for match in _SELF_CITATION.finditer(text):
        if title is None or (squash(match.group("title"))[:_TITLE_PREFIX_CHARS]
                             == squash(title)[:_TITLE_PREFIX_CHARS]):
            return match
    return None
