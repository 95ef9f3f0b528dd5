"""One error tree: every failure a user can act on is a SummarizerError with an exit code."""

from __future__ import annotations


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


class ModelError(SummarizerError):
    """The model could not produce a usable answer."""

    exit_code = 5


class ModelOutputInvalid(ModelError):
    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"the model's answer for {what} is not valid after one repair attempt: {detail}")


class ModelUnavailable(ModelError):
    """No model could be started or reached (missing GGUF file, server that would not start)."""


class ConfigError(SummarizerError):
    exit_code = 2
