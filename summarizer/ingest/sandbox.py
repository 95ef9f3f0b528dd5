"""PDF parsing in a child process with limits of its own: a hostile PDF costs that child, never the worker.

The parent starts `python -m summarizer.ingest.sandbox`, writes the PDF to its stdin and reads one JSON
object back: the Document, or the typed error pdf.parse raised. The child caps its own address space and
CPU time (setrlimit) before it reads a byte; the parent caps the wall time and kills the child when it is
over. A limit that is hit, or a parser that crashes, becomes PdfTooComplex or CorruptPdf: a permanent
error, so the queue fails the job once instead of retrying a poison PDF. Celery's soft time limit, raised
in the parent while it waits, kills the child on its way out (subprocess.run does) and is not mistaken
for a damaged page, as it could be when the page loop ran in the worker itself.

Nothing but JSON crosses back (no pickle): a child taken over by a crafted PDF could only lie about the
text, which grounding and the editors check anyway.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys

from summarizer.document import Document
from summarizer.errors import (
    CorruptPdf,
    EmptyPdf,
    EncryptedPdf,
    NotAPdf,
    NoTextLayer,
    PdfError,
    PdfTooComplex,
)
from summarizer.settings import PdfSettings

# the errors the child may report, by name; anything else it says is treated as a crash
_ERRORS: dict[str, type[PdfError]] = {
    cls.__name__: cls for cls in (CorruptPdf, EmptyPdf, EncryptedPdf, NotAPdf, NoTextLayer, PdfTooComplex)
}
STDERR_CHARS = 300  # the tail of a crashed child's stderr kept in the error: enough for the last line
# the only environment the child gets: what Python needs to start and find the package; never the API key,
# the database URL or any other secret of the worker, which a parser taken over by a crafted PDF could read
CHILD_ENV = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")


def parse(data: bytes, *, settings: PdfSettings, name: str = "the PDF") -> Document:
    """pdf.parse in a child process under settings' memory, CPU and wall-time limits."""
    command = [sys.executable, "-m", "summarizer.ingest.sandbox",
               json.dumps({"settings": settings.model_dump(), "name": name})]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=settings.timeout_s,
                              check=False, env=child_env())
    except subprocess.TimeoutExpired:
        raise PdfTooComplex(name, f"parsing took longer than {settings.timeout_s:g} s (pdf.timeout_s)") from None
    if done.returncode == 0:
        try:
            answer = json.loads(done.stdout)
            if "error" in answer:
                raise _error(answer["error"]["kind"], answer["error"]["message"])
            return Document.model_validate(answer["document"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptPdf(name, f"the parser's answer could not be read ({type(exc).__name__})") from exc
    raise _crash(done.returncode, done.stderr, name, settings)


def child_env() -> dict[str, str]:
    return {name: os.environ[name] for name in CHILD_ENV if name in os.environ}


def _error(kind: str, message: str) -> PdfError:
    """The child's typed error, rebuilt with its message (the classes' own arguments are not sent)."""
    cls = _ERRORS.get(kind)
    if cls is None:
        raise ValueError(f"unknown error kind {kind!r}")
    error = cls.__new__(cls)
    PdfError.__init__(error, message)
    return error


def _crash(returncode: int, stderr: bytes, name: str, settings: PdfSettings) -> PdfError:
    if returncode == -signal.SIGXCPU:
        return PdfTooComplex(name, f"parsing used more than {settings.cpu_s} s of CPU (pdf.cpu_s)")
    if returncode == -signal.SIGKILL:  # the kernel's OOM killer, or an operator
        return PdfTooComplex(name, "the parser was killed (out of memory?)")
    tail = " ".join(stderr.decode("utf-8", "replace").split())[-STDERR_CHARS:]
    if "MemoryError" in tail:
        return PdfTooComplex(name, f"parsing needed more than {settings.memory_mb} MB (pdf.memory_mb)")
    how = f"signal {-returncode}" if returncode < 0 else f"exit code {returncode}"
    return CorruptPdf(name, f"the parser crashed ({how}){': ' + tail if tail else ''}")


def _limit_self(settings: PdfSettings) -> None:
    memory = settings.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # the soft limit sends SIGXCPU (a clean, recognisable death); the hard one, a second later, SIGKILL
    resource.setrlimit(resource.RLIMIT_CPU, (settings.cpu_s, settings.cpu_s + 1))


def main() -> None:
    from summarizer.errors import SummarizerError
    from summarizer.ingest import pdf  # imported before the limits: the parser's code is not the PDF's cost

    request = json.loads(sys.argv[1])
    settings = PdfSettings.model_validate(request["settings"])
    _limit_self(settings)
    data = sys.stdin.buffer.read()
    try:
        answer: dict[str, object] = {"document": pdf.parse(data, settings=settings, name=request["name"])
                                     .model_dump(mode="json")}
    except SummarizerError as exc:
        answer = {"error": {"kind": type(exc).__name__, "message": str(exc)}}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
