"""Links printed in a paper or attached as link annotations, classified as code, project, data or other."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from summarizer.document import Link, Page, Section, SectionKind

LinkKind = Literal["code", "project", "data", "other"]

# a run of URL characters: anything but whitespace, quotes, brackets, | \ ^ and ` (which end a URL printed in
# text); a character class, so its characters stay literal in verbose mode
_URL_CHARS = r"[^\s<>\"'{}|\\^`\[\]]+"
_URL = re.compile(
    rf"""
    https?://{_URL_CHARS}      # a URL with its scheme
    |                          # or a code or model host, often printed without a scheme:
    (?<![\w@./-])              #   not inside an e-mail address or a longer host name
    (?:www\.)?
    (?:github\.com|gitlab\.com|huggingface\.co|bitbucket\.org|codeberg\.org)
    /{_URL_CHARS}              #   and a path on it
    """,
    re.VERBOSE,
)
_TRAILING = ".,;:!?'\"”’>*"
# a URL broken at the end of a line usually breaks after one of these
_CONTINUES = tuple("/._-=?&#")
# the URL characters at the start of the next line that continue a URL broken at a line end
_CONTINUATION = re.compile(r"^[\w./\-~%?#=&:+]+")
_CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sr.ht", "git.sr.ht"})
_NOT_CODE_PATHS = frozenset({"issues", "pull", "pulls", "discussions", "sponsors", "orgs", "topics"})
_PAGE_HOSTS = (".github.io", ".gitlab.io", ".readthedocs.io", ".pages.dev", ".netlify.app", ".vercel.app")
_DATA_HOSTS = frozenset({
    "zenodo.org", "figshare.com", "kaggle.com", "data.mendeley.com", "dataverse.harvard.edu", "physionet.org",
    "openneuro.org", "datadryad.org", "osf.io",
})  # fmt: skip
_DATA_DOIS = ("/10.5281/zenodo", "/10.6084/m9.figshare", "/10.5061/dryad")
_HF_OTHER = frozenset({"blog", "docs", "papers", "learn", "join", "pricing", "tasks", "models", "spaces"})
# words printed just before a URL that announce a project page
_PROJECT_WORDS = re.compile(
    r"""
    project\ (?:page|website|site)   # "project page", "project website", "project site"
    | home\ ?page                    # "homepage", "home page"
    | website
    | demo
    """,
    re.IGNORECASE | re.VERBOSE,
)
# text before a printed URL searched for project words: about the "Project page:" label and the words
# around it, not the previous sentence's topic
CONTEXT_CHARS = 60
# a repository URL has at least owner/name as its path; what follows (issues, pull, ...) is its third part
_REPO_PATH_PARTS = 2
# leading characters of an annotation's URL looked up in the page's printed text: enough to tell URLs
# apart, short enough to match a printed URL that the line end or a footnote cut off
_ANNOTATION_NEEDLE_CHARS = 40


@dataclass
class _Seen:
    url: str
    page: int
    source: Literal["text", "annotation"]
    section: SectionKind
    context: str


def collect(
    pages: list[Page], sections: list[Section], annotations: list[tuple[int, str]], title: str | None = None
) -> list[Link]:
    """Return the document's links, de-duplicated (first page kept), in page order."""
    seen = [*_text_links(sections), *_annotation_links(pages, sections, annotations)]
    seen.sort(key=lambda s: s.page)  # stable: text before annotations on a page
    seen = _drop_truncated(seen)
    by_key: dict[str, list[_Seen]] = {}
    for item in seen:
        by_key.setdefault(_key(item.url), []).append(item)
    words = _title_words(title)
    out: list[Link] = []
    for items in by_key.values():
        first = items[0]
        kinds = [classify(i.url, i.context) for i in items]
        kind: LinkKind = next((k for k in kinds if k != "other"), "other")
        # A paper's own code is announced in the front matter, abstract, introduction, method or a
        # footnote of a body page; repositories that appear only in the reference list are other
        # people's work the paper cites (GPJax cites GPy, TinyGP, Stheno there), so they are "other" -
        # unless the repository is named after a word of the title (a paper citing its own code).
        cited_only = all(i.section == "references" for i in items)
        if kind in ("code", "project") and cited_only and not _named_after(first.url, words):
            kind = "other"
        out.append(Link(url=first.url, page=first.page, kind=kind, source=first.source))
    return out


def paper_code(links: list[Link], title: str | None) -> Link | None:
    """Best guess at the paper's own repository: a code link named like a title word, else the first one."""
    code = [link for link in links if link.kind == "code"]
    words = _title_words(title)
    return next((link for link in code if _named_after(link.url, words)), code[0] if code else None)


def _title_words(title: str | None) -> set[str]:
    """The paper's name as repositories spell it: the title before a colon, else its coined words."""
    # "GPJax: A Gaussian Process Framework in JAX" is GPJax (google/jax is cited, not the paper's own);
    # "DeepSeek-V3 Technical Report" has no colon, so its mixed-case or numbered words name it
    title = title or ""
    name = title.split(":", 1)[0] if ":" in title else title
    # words of three or more characters that start with a letter ("Janus-Pro", "V3" is too short)
    words = re.findall(r"[A-Za-z][\w-]{2,}", name)
    if ":" not in title:
        # coined words: a lower-case letter followed by an upper-case one ("DeepSeek"), or a digit
        words = [w for w in words if re.search(r"[a-z][A-Z]|\d", w)]
    lowered = {w.lower() for w in words}
    return lowered | {w.split("-")[0] for w in lowered}  # "Janus-Pro" names the repository "Janus"


def _named_after(url: str, words: set[str]) -> bool:
    """True when the URL is a repository (owner/name) whose name is one of the title's words."""
    path = [p for p in urlsplit(url).path.split("/") if p]
    return len(path) >= _REPO_PATH_PARTS and path[1].lower().removesuffix(".git") in words


def classify(url: str, context: str = "") -> LinkKind:
    """Classify a URL by its host and path, and by "project page"-like words printed just before it."""
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
    except ValueError:
        return "other"
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = [p for p in parts.path.split("/") if p]
    if host in _CODE_HOSTS:
        # a bare user or organisation page, or an issue thread, is not a repository
        return (
            "code"
            if len(path) >= _REPO_PATH_PARTS
            and not (len(path) > _REPO_PATH_PARTS and path[_REPO_PATH_PARTS] in _NOT_CODE_PATHS)
            and path[0] not in _NOT_CODE_PATHS
            else "other"
        )
    if host == "huggingface.co":
        if path[:1] == ["datasets"]:
            return "data" if len(path) >= 2 else "other"
        if path[:1] == ["spaces"]:
            return "project" if len(path) >= 2 else "other"
        return "code" if len(path) >= _REPO_PATH_PARTS and path[0] not in _HF_OTHER else "other"
    if host.endswith(_PAGE_HOSTS):
        return "project"
    if host in _DATA_HOSTS or (host.endswith("doi.org") and parts.path.lower().startswith(_DATA_DOIS)):
        return "data"
    if _PROJECT_WORDS.search(context) and host not in ("doi.org", "dx.doi.org", "arxiv.org"):
        return "project"
    return "other"


def find_urls(text: str) -> list[str]:
    """The URLs printed in a short text (an abstract, an arXiv comment), cleaned, in order, each once."""
    return list(dict.fromkeys(clean(match.group(0)) for match in _URL.finditer(text)))


def clean(url: str) -> str:
    """Strip what sentences and PDF producers add around a URL: punctuation, unbalanced brackets, %20."""
    url = url.strip()
    while url.startswith("%20"):
        url = url[3:]
    while url.endswith("%20"):
        url = url[:-3]
    # a closing parenthesis belongs to the URL only when it closes one opened in it ("A_(b)")
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url.strip()


def _text_links(sections: list[Section]) -> list[_Seen]:
    found: list[_Seen] = []
    for section in sections:
        for part in section.parts:
            lines = part.text.split("\n")
            for i, line in enumerate(lines):
                for match in _URL.finditer(line):
                    raw = match.group(0)
                    # join a URL that pypdf split at the line end ("https://multivae." + "readthedocs.io/")
                    if match.end() == len(line) and raw.endswith(_CONTINUES) and i + 1 < len(lines):
                        more = _CONTINUATION.match(lines[i + 1])
                        # a bare "7" on the next line is a page number, not the rest of the URL
                        if more and not lines[i + 1][:1].isupper() and not more.group(0).isdigit():
                            raw += more.group(0)
                    url = clean(raw)
                    if "://" not in url:
                        url = "https://" + url
                    if _valid(url):
                        context = line[max(0, match.start() - CONTEXT_CHARS) : match.start()]
                        if i > 0 and len(context) < CONTEXT_CHARS:
                            context = lines[i - 1][-CONTEXT_CHARS:] + " " + context
                        found.append(_Seen(url, part.page, "text", section.kind, context))
    return found


def _annotation_links(
    pages: list[Page], sections: list[Section], annotations: list[tuple[int, str]]
) -> list[_Seen]:
    """Place each annotation in the section whose text on its page prints the URL, else by its page."""
    kinds: dict[int, set[SectionKind]] = {}
    printed: dict[int, list[tuple[SectionKind, str]]] = {}
    for section in sections:
        for part in section.parts:
            kinds.setdefault(part.page, set()).add(section.kind)
            printed.setdefault(part.page, []).append((section.kind, "".join(part.text.lower().split())))
    found: list[_Seen] = []
    for page, uri in annotations:
        url = clean(uri)
        if not _valid(url) or not 1 <= page <= len(pages):
            continue
        needle = _key(url)[:_ANNOTATION_NEEDLE_CHARS]
        where = next((kind for kind, text in printed.get(page, []) if needle in text), None)
        if where is None:
            # a hyperlinked word ("GitHub", "Repository"): only its page is known
            where = "references" if kinds.get(page) == {"references"} else "other"
        found.append(_Seen(url, page, "annotation", where, ""))
    return found


def _drop_truncated(seen: list[_Seen]) -> list[_Seen]:
    """Drop a printed URL that is a cut-off prefix of a link annotation on the same page."""
    targets = {(s.page, _key(s.url)) for s in seen if s.source == "annotation"}
    keep: list[_Seen] = []
    for s in seen:
        key = _key(s.url)
        if s.source == "text" and any(p == s.page and t != key and t.startswith(key) for p, t in targets):
            continue
        keep.append(s)
    return keep


def _valid(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[broken" in an annotation
        return False
    return parts.scheme in ("http", "https") and "." in (parts.hostname or "")


def _key(url: str) -> str:
    """De-duplication key: no scheme, no www., no trailing slash, lower case."""
    # the scheme at the start
    url = re.sub(r"^https?://", "", url.strip().lower()).removeprefix("www.")
    return url.rstrip("/")
