"""The one Settings object (env prefix SUMMARIZER_, nested with __), read once by entry points."""

from __future__ import annotations

import json
import os
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from limits import parse as parse_limit
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from summarizer.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# a category name as arXiv spells it: cs.CV, stat.ML, hep-th, astro-ph.GA
ARXIV_CATEGORY = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")
PRESETS = ("local-tiny", "local-default", "openai")


class ArxivSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_url: str = "https://export.arxiv.org/api/query"
    pdf_url: str = "https://arxiv.org/pdf"
    rss_url: str = "https://rss.arxiv.org/rss"  # the day's listing of a category is <rss_url>/<category>
    # arXiv's terms of use ask for no more than one request every three seconds
    min_interval_s: float = 3.0
    timeout_s: float = 30.0
    max_retries: int = 4
    backoff_base_s: float = 2.0
    backoff_max_s: float = 60.0
    max_pdf_bytes: int = 50 * 1024 * 1024
    user_agent: str = "summarizer/0.1 (paper digest service; https://github.com/summarizer/summarizer)"


class PdfSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_pages: int = 200
    # below this many characters per page on average the PDF is treated as scanned
    min_chars_per_page: int = 40
    # the parsing child's own limits (summarizer/ingest/sandbox.py); a 60-page paper parses in < 10 s, ~200 MB
    memory_mb: int = Field(default=2048, ge=64)  # address space, Python and pypdf included
    cpu_s: int = Field(default=120, ge=1)
    timeout_s: float = Field(default=180.0, gt=0)  # wall time, below the parse stage's time limit


class ChunkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # see summarizer/retrieval/chunking.py for the measurement behind these defaults
    size_chars: int = 1200
    overlap_chars: int = 150


class IndexSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chroma_url: str | None = None  # http://host:8000 for a Chroma server; None: embedded PersistentClient
    collection: str = "summarizer_chunks"
    batch_size: int = 8  # measured: 256-token chunks embed faster and leaner at 8 than at 32 (eval/embed_bench.py)


class LLMSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_url: str | None = None  # None: start the packaged GGUF behind llama.cpp's server
    model: str | None = None  # model name sent to the endpoint; defaults to the GGUF's name locally
    api_key: SecretStr | None = None  # shown as ********** in reprs, dumps and logs
    gguf: str = "qwen2.5-coder-1.5b"  # a packaged model name or a path to your own .gguf file
    timeout_s: float = 600.0
    max_retries: int = Field(default=2, ge=0)  # the client's own retries of a failed call (0 in workers)
    temperature: float = 0.0
    seed: int = 42
    n_ctx: int = 8192
    n_threads: int = 2
    server_start_timeout_s: float = 180.0
    # how to ask for constrained JSON: "auto" = llama.cpp's json_object+schema for the embedded server,
    # OpenAI's json_schema response_format for any other endpoint (vLLM, Ollama and OpenAI accept it)
    json_mode: Literal["auto", "json_schema", "json_object", "none"] = "auto"
    max_tokens_scale: float = 1.0  # multiply every prompt's max_tokens (tests use <1 for speed)

    @property
    def model_name(self) -> str:
        """The name calls are made (and cards recorded) under: part of every job's pipeline version."""
        if self.model:
            return self.model
        if self.base_url:
            return "default"
        # the alias the local server gives: a .gguf file's stem, else the packaged name
        return Path(self.gguf).stem if self.gguf.endswith(".gguf") else self.gguf


class ExtractSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    top_k: int = 4  # chunks retrieved per field group
    max_context_chars: int = 4800  # chunk text per prompt (about 1.2k tokens)
    max_table_rows: int = 12
    max_prose_numbers: int = Field(default=20, ge=0)  # quantitative claims copied from the prose (claims.py)
    # None: a fresh random fence around paper text in every prompt (a paper cannot guess it); an int makes
    # the fences, and so the prompts, reproducible: `summarizer eval run` uses 0 unless this is set
    fence_seed: int | None = None


class QueueSettings(BaseModel):
    """The Celery job queue (workers/): queue names, concurrency, limits, retries (RELIABILITY.md §1, §3)."""

    model_config = ConfigDict(extra="forbid")
    io_queue: str = "io"  # fetch, parse+index, store: network and CPU, short
    llm_queue: str = "llm"  # extract: one model call after another, long
    io_concurrency: int = Field(default=2, ge=1)
    # each llm process starts its own llama.cpp server when no base_url is set: one per machine is safe
    llm_concurrency: int = Field(default=1, ge=1)
    # hard limits kill the pool process; the soft limit (hard - margin) lets the task record the failure
    fetch_time_limit_s: int = Field(default=600, ge=1)  # arXiv: 3 s politeness, retries, 50 MB download
    parse_time_limit_s: int = Field(default=600, ge=1)  # parse < 1 s; embedding a long paper on CPU: minutes
    extract_time_limit_s: int = Field(default=1800, ge=1)  # a handful of local model calls on CPU
    store_time_limit_s: int = Field(default=60, ge=1)
    soft_time_limit_margin_s: int = Field(default=30, ge=1)
    # A worker's main process marks every message it holds (running, or waiting for a retry's countdown)
    # as alive every heartbeat_s; a message not marked for visibility_timeout_s belongs to a dead worker
    # and goes back to its queue (kombu's Redis restore, run by every worker every restore_interval_s).
    # So a crashed worker's job runs again within visibility_timeout_s + restore_interval_s.
    heartbeat_s: int = Field(default=10, ge=1)
    visibility_timeout_s: int = Field(default=180, ge=1)
    restore_interval_s: int = Field(default=10, ge=1)
    # A job holds a Redis lock while one of its stages runs, refreshed every heartbeat_s: it lapses this
    # long after its worker died, and a second delivery of a running job waits at most this long to know
    job_lock_ttl_s: int = Field(default=30, ge=1)
    # Transient errors are retried with capped exponential backoff (jittered down to half) for as long as
    # an outage may last: the database, Redis or arXiv this long, the model endpoint model_outage_s
    retry_backoff_s: int = Field(default=5, ge=1)  # the first countdown; then 10, 20, ... s
    retry_backoff_max_s: int = Field(default=300, ge=1)  # the cap
    outage_s: int = Field(default=600, ge=0)
    model_outage_s: int = Field(default=1800, ge=0)
    # while the model endpoint is down, llm workers stop taking work and ask it this often if it is back
    endpoint_probe_s: int = Field(default=15, ge=1)
    # poison guard: a stage whose start killed its worker this many times fails the job for good;
    # duplicates and retries never count, only starts that never ended
    max_crashes: int = Field(default=3, ge=1)
    # the sweeper (beat, and `worker --recover`) re-sends a queued or running job with no message left in
    # Redis once it has not moved for this long
    recover_after_s: int = Field(default=120, ge=0)
    max_memory_per_child_kb: int = Field(default=1_500_000, ge=1)  # pypdf, Chroma and embeddings grow
    soft_shutdown_timeout_s: float = Field(default=30.0, ge=0)  # time to requeue late-ack tasks on SIGTERM

    @model_validator(mode="after")
    def _limits_fit(self) -> QueueSettings:
        limits = (self.fetch_time_limit_s, self.parse_time_limit_s, self.extract_time_limit_s,
                  self.store_time_limit_s)
        if self.visibility_timeout_s < 3 * self.heartbeat_s:
            raise ValueError(
                f"visibility_timeout_s ({self.visibility_timeout_s}) must be at least three heartbeats "
                f"(heartbeat_s = {self.heartbeat_s}), or a slow heartbeat makes a live worker's task look lost"
            )
        if self.job_lock_ttl_s < 2 * self.heartbeat_s:
            raise ValueError(f"job_lock_ttl_s ({self.job_lock_ttl_s}) must be at least two heartbeats "
                             f"(heartbeat_s = {self.heartbeat_s}): the lock is refreshed every heartbeat")
        if self.soft_time_limit_margin_s >= min(limits):
            raise ValueError("soft_time_limit_margin_s must be below every stage's time limit")
        return self


class WebSettings(BaseModel):
    """The editor workspace and API: sign-in sessions, cookies and the sign-in rate limit."""

    model_config = ConfigDict(extra="forbid")
    # signs the CSRF tokens of forms; None: a random key per process (forms opened before a restart must
    # be reloaded). Set it when several API processes serve one site.
    secret_key: SecretStr | None = None
    # mark cookies Secure: set it when the workspace is served over HTTPS (behind a TLS proxy)
    secure_cookies: bool = False
    session_hours: float = Field(default=12.0, gt=0)  # a sign-in lasts an editor's working day
    # failed sign-ins allowed per user name and client address (the `limits` library's notation); a right
    # password is never counted
    signin_limit: str = "5/minute"
    # failed sign-ins allowed per client address whatever the names: one client guessing across many users
    signin_address_limit: str = "20/minute"
    # where the attempts are counted: memory:// for one API process, redis://host:6379/N to share
    rate_limit_storage: str = "memory://"

    @field_validator("signin_limit", "signin_address_limit")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse_limit(value)
        except ValueError:  # its message repeats the value, which may be a secret pasted in the wrong place
            raise ValueError("not a rate like 5/minute or 20 per hour") from None
        return value


DEFAULT_PROFILE = (
    "Generative models based on diffusion and flow matching: denoising diffusion and score-based models, "
    "flow matching and rectified flow, diffusion transformers, latent diffusion, consistency models and "
    "distillation for few-step sampling, samplers and guidance, text-to-image, video and world-model "
    "generation, and the training, inference efficiency and interpretability of these models."
)
DEFAULT_KEYWORDS = (
    "diffusion model", "diffusion models", "diffusion transformer", "diffusion transformers", "latent diffusion",
    "video diffusion", "denoising diffusion", "score-based", "score matching", "flow matching", "flow-matching",
    "rectified flow", "flow map", "consistency model", "consistency distillation", "probability flow", "DiT",
)


class DigestSettings(BaseModel):
    """The nightly digest: which listing, which topic, how many papers, when (summarizer/digest)."""

    model_config = ConfigDict(extra="forbid")
    categories: list[str] = ["cs.CV", "cs.LG", "cs.AI"]
    topic: str = "diffusion"  # the digest's title: "Five <topic> papers worth reading today"
    # what the editors look for, in words: the first pass embeds it, the model judges against it
    profile: str = DEFAULT_PROFILE
    keywords: list[str] = list(DEFAULT_KEYWORDS)  # hints: each one found in a title or abstract adds a little
    examples: list[str] = []  # titles or abstracts of papers the team would pick: they shape the profile
    picks: int = Field(default=5, ge=1, le=10)
    mentions: int = Field(default=5, ge=0, le=10)  # honourable mentions after the picks
    # the top candidates of the first pass the model reads (0: the first pass alone decides)
    judged: int = Field(default=12, ge=0)
    # below this first-pass score an abstract is off topic, however few papers the day has; on the test
    # listing (tests/fakes/listing.py) the digests' papers score 0.48 and up, other fields 0.34 at most
    min_score: float = 0.40
    featured_days: int = Field(default=14, ge=0)  # a paper featured this recently is not picked again
    at: str = Field(default="06:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # when beat starts the run
    timezone: str = "UTC"  # of `at` and of "today"
    # an empty listing on a weekday is asked for again this many times, this far apart, before it is believed
    empty_feed_tries: int = Field(default=4, ge=1)
    empty_feed_wait_s: float = Field(default=900.0, ge=0)
    # how long a run waits for its picks' cards before it assembles what it has, looking every poll_s
    cards_wait_s: float = Field(default=3 * 3600.0, ge=0)
    poll_s: float = Field(default=30.0, gt=0)
    # where subscribers read approved digests: the links of the RSS feed (the API serves them at /published/)
    public_url: str = "http://127.0.0.1:8000/published/"

    @field_validator("categories", "keywords", "examples", mode="before")
    @classmethod
    def _list_from_text(cls, value: Any) -> Any:
        """From the environment: a JSON list, or for categories and keywords a comma-separated one."""
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list: {exc}") from None
        return [part.strip() for part in value.split(",") if part.strip()]

    @model_validator(mode="after")
    def _known_names(self) -> DigestSettings:
        # the bad items by position, never by value: a value set in the wrong variable may be a secret
        bad = [str(i + 1) for i, c in enumerate(self.categories) if not ARXIV_CATEGORY.match(c)]
        if bad or not self.categories:
            raise ValueError(f"categories must be arXiv category names such as cs.CV, not item {', '.join(bad)}"
                             if bad else "categories must name at least one arXiv category")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (use an IANA name such as Europe/Paris)") from None
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SUMMARIZER_", env_nested_delimiter="__", extra="forbid"
    )
    preset: str | None = None  # the preset these settings started from (recorded in eval reports)
    data_dir: Path = Path.home() / ".cache" / "summarizer"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    arxiv: ArxivSettings = ArxivSettings()
    pdf: PdfSettings = PdfSettings()
    chunk: ChunkSettings = ChunkSettings()
    index: IndexSettings = IndexSettings()
    llm: LLMSettings = LLMSettings()
    extract: ExtractSettings = ExtractSettings()
    queue: QueueSettings = QueueSettings()
    web: WebSettings = WebSettings()
    digest: DigestSettings = DigestSettings()
    redis_url: str = "redis://127.0.0.1:6379/0"
    database_url: str = "sqlite:///summarizer.db"

    @field_validator("database_url")
    @classmethod
    def _a_database_url(cls, value: str) -> str:
        """Checked here, where the error names the variable: SQLAlchemy's own would be a traceback."""
        from sqlalchemy.engine import make_url  # the store's parser, imported only when settings are built
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("not a database URL such as postgresql+psycopg://user:password@host:5432/name "
                             "or sqlite:///path/to/file.db") from None
        return value

    @model_validator(mode="after")
    def _parse_fits_its_stage(self) -> Settings:
        # the parsing child must be stopped (a typed, permanent error) before the task's soft time limit
        # ends the whole stage with a vaguer reason
        soft_limit = self.queue.parse_time_limit_s - self.queue.soft_time_limit_margin_s
        if self.pdf.timeout_s >= soft_limit:
            raise ValueError(f"pdf.timeout_s ({self.pdf.timeout_s:g}) must be below the parse stage's soft time "
                             f"limit ({soft_limit} s: queue.parse_time_limit_s - queue.soft_time_limit_margin_s)")
        return self

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def published_dir(self) -> Path:
        """Approved digests as files (Markdown, HTML, the RSS feed), for any web server to serve."""
        return self.data_dir / "published"


# Flat environment names documented for users, mapped onto the nested settings.
FLAT_ENV = {
    "SUMMARIZER_ARXIV_API_URL": ("arxiv", "api_url"),
    "SUMMARIZER_ARXIV_PDF_URL": ("arxiv", "pdf_url"),
    "SUMMARIZER_ARXIV_RSS_URL": ("arxiv", "rss_url"),
    "SUMMARIZER_LLM_BASE_URL": ("llm", "base_url"),
    "SUMMARIZER_LLM_MODEL": ("llm", "model"),
    "SUMMARIZER_LLM_API_KEY": ("llm", "api_key"),
    "SUMMARIZER_LLM_GGUF": ("llm", "gguf"),
    "SUMMARIZER_CHROMA_URL": ("index", "chroma_url"),
}


def preset(name: str) -> dict[str, Any]:
    """Return a named preset (a JSON file in summarizer/presets) as nested overrides."""
    if name not in PRESETS:
        # the name is not repeated: from SUMMARIZER_PRESET it may be a secret pasted into the wrong variable
        raise ConfigError(f"SUMMARIZER_PRESET (or --preset): unknown preset; choose one of {', '.join(PRESETS)}")
    text = (Path(__file__).parent / "presets" / f"{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load(preset_name: str | None = None, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings once: preset file, then environment (flat and nested names), then explicit overrides."""
    environ = os.environ if env is None else env
    data: dict[str, Any] = {}
    name = preset_name or environ.get("SUMMARIZER_PRESET")
    if name:
        _deep_update(data, preset(name))
        data["preset"] = name
    for key, (group, field) in FLAT_ENV.items():
        if environ.get(key):
            _deep_update(data, {group: {field: environ[key]}})
    nested = {
        k: v for k, v in environ.items()
        if k.startswith("SUMMARIZER_") and k not in FLAT_ENV and k != "SUMMARIZER_PRESET"
    }
    _deep_update(data, _env_tree(nested))
    _deep_update(data, overrides)
    try:
        # model_validate does not read the environment again: everything above is already merged
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("bad settings: " + "; ".join(_setting_error(e) for e in exc.errors())) from None


def _setting_error(error: Mapping[str, Any]) -> str:
    """One settings error in the user's terms: the variable to fix and what is wrong with it.

    The value itself is never repeated: a mistyped secret would be printed in full.
    """
    path = [str(part) for part in error["loc"] if part != "__root__"]
    name = "SUMMARIZER_" + "__".join(path).upper() if path else "settings"
    return f"{name}: {error['msg']}"


def masked_url(url: str) -> str:
    """The URL as errors and logs may show it: its password, if it has one, replaced by ***."""
    # urlsplit, not SQLAlchemy's make_url: it reads any scheme (redis, http, postgresql), keeps a bad
    # port readable for the error that reports it, and leaves the rest of the text as it was
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:  # a malformed [IPv6] host: where a password would be cannot be told
        return "(a URL that cannot be parsed)"
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}"))


def _env_tree(env: Mapping[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in env.items():
        path = key[len("SUMMARIZER_"):].lower().split("__")
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return tree


def _deep_update(target: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        elif isinstance(value, Mapping):
            target[key] = {}
            _deep_update(target[key], value)
        else:
            target[key] = value
