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
_VENUE = "|".join(re.escape(v) for v in VENUES)
_YEAR = r"(?:19|20)\d\d"
_ACCEPTED = re.compile(
    rf"\b(?:accepted|to appear|published|appear(?:s|ing)?|presented|camera[- ]ready|oral|spotlight|poster)"
    rf"\b[^.;\n]{{0,40}}?\b({_VENUE})\b(?:[\s'’]*({_YEAR}|\d\d))?",
    re.IGNORECASE,
)
_NAMED = re.compile(rf"\b({_VENUE})[\s'’]*({_YEAR})\b(?!\s*(?:workshop\s+)?(?:submission|under review))")
_UNDER_REVIEW = re.compile(r"\b(?:under review|submitted to|in submission|preprint)\b", re.IGNORECASE)
_JOSS = re.compile(r"Journal of Open Source Software|10\.21105/joss\.\d+", re.IGNORECASE)
_JOSS_DRAFT = re.compile(r"10\.xxxxxx/draft|Published:\s*unpublished", re.IGNORECASE)


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
    head = front_text[:3000]
    if _JOSS.search(head):
        status: PeerReview = "preprint" if _JOSS_DRAFT.search(head) else "accepted"
        return "Journal of Open Source Software", status, "PDF: JOSS paper" + (" (draft)" if status == "preprint" else "")
    m = _ACCEPTED.search(head)
    if m:
        venue = _venue_name(m.group(1)) + (f" {_year(m.group(2))}" if m.group(2) else "")
        return venue, "accepted", f"PDF: {m.group(0).strip()}"
    m = re.search(rf"\b(?:Published as a conference paper at|Proceedings of(?: the)?)\s+({_VENUE})\s*({_YEAR})?", head)
    if m:
        return f"{_venue_name(m.group(1))} {m.group(2) or ''}".strip(), "accepted", f"PDF: {m.group(0)}"
    if re.search(r"^\s*(?:Preprint|Technical Report)\b", head, re.IGNORECASE | re.MULTILINE) or (comment and _UNDER_REVIEW.search(comment)):
        return None, "preprint", "PDF is headed as a preprint or technical report"
    if re.search(r"arXiv:\d{4}\.\d{4,5}", head):
        return None, "preprint", "arXiv stamp, no venue named"
    return None, "unknown", None


def _year(text: str) -> str:
    return text if len(text) == 4 else f"20{text}"
