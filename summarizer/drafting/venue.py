"""Venue and peer-review status from the arXiv comment, journal reference and the PDF's own words."""

from __future__ import annotations

import re

from summarizer.card import PeerReview

VENUES = (
    "NeurIPS", "ICML", "ICLR", "CVPR", "ICCV", "ECCV", "ACL", "EMNLP", "NAACL", "COLING", "AAAI", "IJCAI",
    "KDD", "SIGGRAPH Asia", "SIGGRAPH", "WACV", "BMVC", "MICCAI", "AISTATS", "UAI", "COLT", "CoRL", "RSS",
    "ICRA", "IROS", "WWW", "SIGIR", "WSDM", "TPAMI", "TMLR", "JMLR", "IJCV", "TIP", "Nature", "Science",
    "Journal of Open Source Software", "JOSS", "3DV", "ACM MM", "INTERSPEECH", "ICASSP",
)
# any venue name, literally (re.escape also escapes spaces and "#", so the names are safe in verbose mode)
_VENUE = "|".join(re.escape(v) for v in VENUES)
# a four-digit year of this or the last century
_YEAR = r"(?:19|20)\d\d"
# most characters between an acceptance word and the venue ("accepted as an oral paper at the ... ICLR"):
# enough for a few words, not so many that an unrelated venue further on in the sentence is taken
_VENUE_GAP_CHARS = 40
# venue stamps and JOSS footers are printed on the first page; further on, cited venues would be found
_FRONT_CHARS = 3000
# "accepted at ICLR 2024", "to appear in NeurIPS '23", "oral presentation at CVPR"
_ACCEPTED = re.compile(
    rf"""
    \b(?:accepted|to\ appear|published|appear(?:s|ing)?|presented   # a word announcing acceptance
        |camera[- ]ready|oral|spotlight|poster)\b
    [^.;\n]{{0,{_VENUE_GAP_CHARS}}}?                                # within the same clause
    \b({_VENUE})\b                                                  # the venue (group 1)
    (?:[\s'’]*({_YEAR}|\d\d))?                                      # its year, maybe as '24 (group 2)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a bare venue and year, as in an arXiv comment "ICLR 2024"
_NAMED = re.compile(
    rf"""
    \b({_VENUE})[\s'’]*({_YEAR})\b                        # a venue and its year: "ICLR 2024"
    (?!\s*(?:workshop\s+)?(?:submission|under\ review))    # but not "ICLR 2024 (workshop) submission"
    """,
    re.VERBOSE,
)
# words that say the paper is not (yet) accepted anywhere
_UNDER_REVIEW = re.compile(r"\b(?:under review|submitted to|in submission|preprint)\b", re.IGNORECASE)
# the journal's name or a JOSS DOI
_JOSS = re.compile(r"Journal of Open Source Software|10\.21105/joss\.\d+", re.IGNORECASE)
# the placeholder DOI and date of a JOSS paper not yet published
_JOSS_DRAFT = re.compile(r"10\.xxxxxx/draft|Published:\s*unpublished", re.IGNORECASE)
# a conference paper's running head or proceedings line naming the venue and maybe its year
_PROCEEDINGS = re.compile(
    rf"""
    \b(?:Published\ as\ a\ conference\ paper\ at     # ICLR's running head
        |Proceedings\ of(?:\ the)?)                 # "Proceedings of (the) ..."
    \s+({_VENUE})\s*({_YEAR})?
    """,
    re.VERBOSE,
)
# a line that starts with "Preprint" or "Technical Report": the PDF is headed as one
_PREPRINT_HEADING = re.compile(r"^\s*(?:Preprint|Technical Report)\b", re.IGNORECASE | re.MULTILINE)
# an arXiv stamp in the margin: a new-style id
_ARXIV_STAMP = re.compile(r"arXiv:\d{4}\.\d{4,5}")


def _venue_name(raw: str) -> str:
    canonical = {v.lower(): v for v in VENUES}
    return canonical.get(raw.lower(), raw)


def detect(comment: str | None, journal_ref: str | None, front_text: str) -> tuple[str | None, PeerReview, str | None]:
    """Return (venue, status, evidence) from, in order of trust: comment, journal ref, PDF front matter."""
    for source, text in (("arXiv comment", comment), ("journal reference", journal_ref)):
        if not text:
            continue
        m = _ACCEPTED.search(text)
        if m:
            venue = _venue_name(m.group(1)) + (f" {_year(m.group(2))}" if m.group(2) else "")
            return venue, "accepted", f"{source}: {text.strip()}"
        if source == "journal reference":
            return text.strip(), "accepted", f"{source}: {text.strip()}"
        m = _NAMED.search(text)
        if m and not _UNDER_REVIEW.search(text):
            return f"{_venue_name(m.group(1))} {m.group(2)}", "accepted", f"{source}: {text.strip()}"
    head = front_text[:_FRONT_CHARS]
    if _JOSS.search(head):
        status: PeerReview = "preprint" if _JOSS_DRAFT.search(head) else "accepted"
        return "Journal of Open Source Software", status, "PDF: JOSS paper" + (" (draft)" if status == "preprint" else "")
    m = _ACCEPTED.search(head)
    if m:
        venue = _venue_name(m.group(1)) + (f" {_year(m.group(2))}" if m.group(2) else "")
        return venue, "accepted", f"PDF: {m.group(0).strip()}"
    m = _PROCEEDINGS.search(head)
    if m:
        return f"{_venue_name(m.group(1))} {m.group(2) or ''}".strip(), "accepted", f"PDF: {m.group(0)}"
    if _PREPRINT_HEADING.search(head) or (comment and _UNDER_REVIEW.search(comment)):
        return None, "preprint", "PDF is headed as a preprint or technical report"
    if _ARXIV_STAMP.search(head):
        return None, "preprint", "arXiv stamp, no venue named"
    return None, "unknown", None


def _year(text: str) -> str:
    return text if len(text) == 4 else f"20{text}"
