"""arXiv identifiers: parse what a user pastes (an id, an arXiv: reference, an arxiv.org URL) into an ArxivId."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from summarizer.errors import InvalidArxivId

# Scheme since April 2007 (https://info.arxiv.org/help/arxiv_identifier.html): YYMM.NNNN until 1412,
# YYMM.NNNNN from 1501 on.
_NEW = re.compile(r"(?P<yymm>\d{4})\.(?P<number>\d+)")
# Scheme before April 2007: archive(.SUBJECT-CLASS)/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
_OLD = re.compile(r"(?P<archive>[A-Za-z-]+)(?P<subject>\.[A-Za-z-]+)?/(?P<yymm>\d{4})(?P<number>\d{3})")
# an id with a version suffix: 2501.12948v2, hep-th/9901001v1
_VERSION = re.compile(r"(?P<body>.+?)v(?P<version>\d+)")
# the "arXiv:" of a pasted reference, with any space after it
_PREFIX = re.compile(r"arxiv:\s*", re.IGNORECASE)
_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
# The archives that existed under the old scheme; anything else is a typo, not a paper.
_OLD_ARCHIVES = frozenset({
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn",
    "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex",
    "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th",
    "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph", "solv-int", "supr-con",
})
# new-style ids start in April 2007, when arXiv changed schemes; an earlier YYMM.N is a typo, not a paper
_NEW_SCHEME_FIRST_YYMM = "0704"
# arXiv lengthened the number after the dot in January 2015: 1412 is the last month of 4-digit numbers
_LAST_SHORT_NUMBER_YYMM = "1412"
# digits after the dot up to 1412 (2501.12948 has 5, 1412.6980 has 4): any other count is a typo
_SHORT_NUMBER_DIGITS = 4
# digits after the dot from 1501 on
_LONG_NUMBER_DIGITS = 5
# old-style two-digit years from 91 on are 19YY, below it 20YY: the old scheme ran from 1991 to 2007
_OLD_SCHEME_CENTURY_PIVOT = 91
# the old scheme's first (year, month), August 1991: an earlier old-style id was never issued
_OLD_SCHEME_FIRST = (1991, 8)
# the old scheme's last (year, month), March 2007: later papers have new-style ids
_OLD_SCHEME_LAST = (2007, 3)


@dataclass(frozen=True, slots=True)
class ArxivId:
    """A validated arXiv identifier: `base` without version, `version` when one was given."""

    base: str
    version: int | None = None

    def __post_init__(self) -> None:
        # constructing one directly must not bypass validation: every ArxivId is a well-formed id
        reason = _check_base(self.base)
        if reason:
            raise InvalidArxivId(self.base, reason)
        if self.version is not None and self.version < 1:
            raise InvalidArxivId(f"{self.base}v{self.version}", "versions start at v1")

    @property
    def full(self) -> str:
        """The id with its version (2501.12948v2), or the base when no version is known."""
        return self.base if self.version is None else f"{self.base}v{self.version}"

    @property
    def is_old_style(self) -> bool:
        """True for pre-2007 ids such as hep-th/9901001."""
        return "/" in self.base

    def with_version(self, version: int | None) -> ArxivId:
        """The same paper at another version (None: unversioned)."""
        return ArxivId(self.base, version)

    def __str__(self) -> str:
        return self.full


def parse(text: str) -> ArxivId:
    """Parse an id, an `arXiv:` reference or an arxiv.org abs/pdf URL; raise InvalidArxivId otherwise."""
    if not isinstance(text, str):
        raise InvalidArxivId(repr(text), "expected a string")
    candidate = text.strip()
    if not candidate:
        raise InvalidArxivId(text, "it is empty")
    if "://" in candidate or candidate.lower().split("/", 1)[0] in _HOSTS:
        candidate = _id_from_url(text, candidate)
    else:
        candidate = _PREFIX.sub("", candidate, count=1) if _PREFIX.match(candidate) else candidate
    if any(ch.isspace() for ch in candidate):
        raise InvalidArxivId(text, "it contains spaces")
    base, version = candidate, None
    versioned = _VERSION.fullmatch(candidate)
    if versioned and (_NEW.fullmatch(versioned["body"]) or _OLD.fullmatch(versioned["body"])):
        base = versioned["body"]
        digits = versioned["version"]
        if digits.startswith("0"):
            raise InvalidArxivId(text, f"version v{digits} is not valid; versions start at v1")
        version = int(digits)
    reason = _check_base(base)
    if reason:
        raise InvalidArxivId(text, reason)
    return ArxivId(base, version)


def looks_like_id(text: str) -> bool:
    """True when `parse` would accept the text."""
    try:
        parse(text)
    except InvalidArxivId:
        return False
    return True


def _id_from_url(text: str, candidate: str) -> str:
    """The id part of an arxiv.org /abs/ or /pdf/ URL."""
    if "://" not in candidate:
        candidate = "https://" + candidate  # a pasted "arxiv.org/abs/..." without scheme
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").lower()
    except ValueError as exc:  # "Invalid IPv6 URL", a bad port: found by benchmarks/fuzz.py
        raise InvalidArxivId(text, f"not a readable URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidArxivId(text, f"URL scheme {parts.scheme!r} is not http(s)")
    if host not in _HOSTS:
        raise InvalidArxivId(text, f"URL host {host!r} is not arxiv.org")
    path = parts.path.rstrip("/")
    for prefix in ("/abs/", "/pdf/"):
        if path.startswith(prefix):
            ident = path[len(prefix):]
            # arXiv serves /pdf/ID and /pdf/ID.pdf alike
            return ident[: -len(".pdf")] if prefix == "/pdf/" and ident.endswith(".pdf") else ident
    raise InvalidArxivId(text, "URL path is neither /abs/<id> nor /pdf/<id>")


def _check_base(base: str) -> str:
    """Why `base` is not a well-formed unversioned arXiv id, or "" when it is."""
    new = _NEW.fullmatch(base)
    if new:
        return _check_new(new["yymm"], new["number"])
    old = _OLD.fullmatch(base)
    if old:
        return _check_old(old["archive"], old["yymm"], old["number"])
    # a new- or old-style id followed by a "v" and something other than a version number
    if re.fullmatch(r"\d{4}\.\d+v.*", base) or re.fullmatch(r".+/\d{7}v.*", base):
        return "a version must be v followed by a number, e.g. v2"
    # arXiv's DOI for a paper, 10.48550/arXiv.<id>
    doi = re.search(r"10\.48550/arxiv\.(\S+)$", base, re.IGNORECASE)
    if doi:
        return f"that is arXiv's DOI; paste the id after 'arXiv.' ({doi[1]})"
    # a new-style id with the PDF's file extension
    if re.fullmatch(r"\d{4}\.\d+\.pdf", base):
        return "drop the .pdf suffix or paste the full arxiv.org/pdf/... URL"
    if "/" in base:
        return "old-style ids look like archive/YYMMNNN with 7 digits, e.g. hep-th/9901001"
    # an old-style YYMMNNN without its archive
    if re.fullmatch(r"\d{7}", base):
        return "old-style ids need their archive, e.g. hep-th/9901001"
    return "new-style ids look like YYMM.NNNNN, e.g. 2501.12948"


def _check_new(yymm: str, number: str) -> str:
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        return f"month {yymm[2:]} in {yymm} is not 01-12"
    if yymm < _NEW_SCHEME_FIRST_YYMM:
        return "new-style ids start at 0704 (April 2007); older ones look like hep-th/9901001"
    want = _SHORT_NUMBER_DIGITS if yymm <= _LAST_SHORT_NUMBER_YYMM else _LONG_NUMBER_DIGITS
    if len(number) != want:
        era = "up to 1412" if want == _SHORT_NUMBER_DIGITS else "from 1501 on"
        return f"ids {era} have {want} digits after the dot, not {len(number)}"
    if int(number) == 0:
        return "the number after the dot starts at 0001"
    return ""


def _check_old(archive: str, yymm: str, number: str) -> str:
    if archive not in _OLD_ARCHIVES:
        return f"{archive!r} is not an arXiv archive of the old scheme"
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        return f"month {yymm[2:]} in {yymm} is not 01-12"
    # the old scheme ran from August 1991 to March 2007; YY 91-99 are 1991-1999, 00-07 are 2000-2007
    year = int(yymm[:2])
    year += 1900 if year >= _OLD_SCHEME_CENTURY_PIVOT else 2000
    if not _OLD_SCHEME_FIRST <= (year, month) <= _OLD_SCHEME_LAST:
        return f"old-style ids run from 9108 to 0703, not {yymm}"
    if int(number) == 0:
        return "the number starts at 001"
    return ""
