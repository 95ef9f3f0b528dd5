"""One error tree: every failure a user can act on is a SummarizerError with an exit code.

Each class carries its own policy: the exit code the CLI returns, and whether the queue retries it
(`transient`). The CLI and the workers read that policy here; nothing else keeps a list of errors.
"""

from __future__ import annotations

from collections.abc import Sequence


class SummarizerError(Exception):
    """Base of every error the summarizer raises on purpose."""

    exit_code = 1
    #: permanent errors are recorded and never retried; transient ones are retried with backoff
    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(SummarizerError):
    """The input itself cannot be used (a malformed id, a file that is not a usable PDF)."""

    exit_code = 2


class InvalidArxivId(BadInput):
    def __init__(self, text: str, reason: str = "") -> None:
        hint = "expected e.g. 2501.12948, 2501.12948v2, hep-th/9901001 or an arxiv.org/abs/... URL"
        super().__init__(f"not an arXiv id: {text!r}" + (f" ({reason})" if reason else "") + f"; {hint}")
        self.text = text


class PaperNotFound(BadInput):
    def __init__(self, arxiv_id: str) -> None:
        super().__init__(f"arXiv has no paper {arxiv_id}")
        self.arxiv_id = arxiv_id


class PdfError(BadInput):
    """The PDF cannot be turned into text."""


class NotAPdf(PdfError):
    def __init__(self, what: str) -> None:
        super().__init__(f"not a PDF: {what}")


class PdfTooLarge(PdfError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"PDF is {size:,} bytes, over the limit of {limit:,} bytes (max_pdf_bytes)")


class EncryptedPdf(PdfError):
    def __init__(self, what: str = "the PDF") -> None:
        super().__init__(f"{what} is encrypted and cannot be read without its password")


class EmptyPdf(PdfError):
    def __init__(self, what: str = "the PDF") -> None:
        super().__init__(f"{what} has no pages")


class NoTextLayer(PdfError):
    def __init__(self, what: str = "the PDF", pages: int = 0) -> None:
        super().__init__(
            f"{what} has no text layer ({pages} pages, scanned images?); run OCR on it first"
        )


class CorruptPdf(PdfError):
    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what} is damaged and cannot be parsed: {detail}")


class PdfTooComplex(PdfError):
    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what} exceeded a parsing limit: {detail}")


class UpstreamUnavailable(SummarizerError):
    """A remote service (arXiv, the model endpoint) failed in a way that may pass; retried."""

    exit_code = 4
    transient = True


class EndpointUnavailable(UpstreamUnavailable):
    """The model endpoint did not answer (connection refused, timeout, 5xx): retried for longer, and the
    queue's llm workers stop taking work until it is back."""


class ModelError(SummarizerError):
    """The model could not produce a usable answer."""

    exit_code = 5


class ModelOutputInvalid(ModelError):
    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"the model's answer for {what} is not valid after one repair attempt: {detail}")


class ModelUnavailable(ModelError):
    """No model could be started or reached (missing GGUF file, server that would not start)."""


class ModelFileCorrupt(ModelUnavailable):
    """A packaged model file is not the one this version pins (damaged, truncated or replaced): not loaded."""

    def __init__(self, path: str, *, expected: str, actual: str, remedy: str) -> None:
        super().__init__(
            f"{path} has sha256 {actual}, expected {expected}: the file is damaged or not the one this "
            f"version of summarizer was built for, so it is not loaded; {remedy}"
        )
        self.path = path
        self.expected = expected
        self.actual = actual


class ConfigError(SummarizerError):
    exit_code = 2


# --- the job store and the queue ------------------------------------------------------------------------


class PoisonJob(SummarizerError):
    """A job's stage killed its worker max_crashes times (a crash loop); it is failed for good."""

    exit_code = 1
    transient = False

    def __init__(self, job_id: int, stage: str, crashes: int) -> None:
        super().__init__(f"job {job_id}: poison: its worker died {crashes} times at stage {stage}")
        self.job_id = job_id
        self.stage = stage
        self.crashes = crashes


class RevisionConflict(SummarizerError):
    """Someone saved the card (or digest) since the revision the editor started from; reload and merge."""

    def __init__(self, arxiv_id: str, expected: int, current: int, *, what: str = "card") -> None:
        super().__init__(
            f"{what} {arxiv_id} is at revision {current}, not {expected}: it changed since you loaded it"
        )
        self.arxiv_id = arxiv_id
        self.expected = expected
        self.current = current


class JobNotFound(SummarizerError):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"no job {job_id}")
        self.job_id = job_id


class CardNotFound(SummarizerError):
    def __init__(self, arxiv_id: str) -> None:
        super().__init__(f"no card for {arxiv_id}")
        self.arxiv_id = arxiv_id


class JobNotRetryable(SummarizerError):
    """Only a failed job can be retried; a queued, running or done one is left alone."""

    exit_code = 2

    def __init__(self, job_id: int, state: str) -> None:
        super().__init__(f"job {job_id} is {state}, not failed: only failed jobs can be retried")
        self.job_id = job_id
        self.state = state


class QueueUnavailable(UpstreamUnavailable):
    """The jobs were stored but could not be sent to the queue; they are marked failed so a resubmit re-sends them."""

    def __init__(self, job_ids: Sequence[int], error: BaseException) -> None:
        super().__init__(
            f"could not enqueue {len(job_ids)} job(s) ({type(error).__name__}: {error}); "
            "they are marked failed: submit the ids again or retry the jobs"
        )
        self.job_ids = list(job_ids)
