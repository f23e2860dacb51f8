"""Keep credentials out of everything a run prints or writes.

One `Redactor` knows every secret of the run (the token, whole credential header values) and every
writer passes its text through it: progress, summary, Markdown, JUnit, tracebacks. Streams are
wrapped too, so a library that prints a request cannot leak the token either.
"""

from __future__ import annotations

import io
import re
from typing import Iterable, TextIO
from urllib.parse import quote, quote_plus

MASK = "***"

# Header names whose values are credentials, whatever the token: masked in every curl line.
SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key", "api-key")
_SENSITIVE_WORDS = ("token", "secret", "password", "apikey", "api-key", "auth")


def is_sensitive_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in SENSITIVE_HEADERS or any(word in lowered for word in _SENSITIVE_WORDS)


def mask_header_value(value: str) -> str:
    """`Bearer abc` -> `Bearer ***`: the scheme word helps a reader, the credential never shows."""
    scheme, space, _ = value.partition(" ")
    return f"{scheme} {MASK}" if space and scheme.isalpha() and len(scheme) <= 12 else MASK


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()):
        self._secrets: set[str] = set()
        self._pattern: re.Pattern | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember a secret in the forms it may be printed in (raw and URL-encoded)."""
        if not secret or not secret.strip():
            return
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            self._secrets.add(form)
        self._pattern = None

    def __call__(self, text: str) -> str:
        if not self._secrets or not text:
            return text
        if self._pattern is None:
            longest_first = sorted(self._secrets, key=len, reverse=True)
            # Short secrets only as whole words, so a 3-letter token cannot shred unrelated text.
            parts = [re.escape(s) if len(s) >= 6 else rf"(?<![\w-]){re.escape(s)}(?![\w-])" for s in longest_first]
            self._pattern = re.compile("|".join(parts))
        return self._pattern.sub(MASK, text)

    def stream(self, target: TextIO) -> "RedactingStream":
        return RedactingStream(target, self)


class RedactingStream(io.TextIOBase):
    """A text stream that redacts whole lines before passing them on (secrets never span lines)."""

    def __init__(self, target: TextIO, redactor: Redactor):
        self.target = target
        self.redactor = redactor
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            self.target.write(self.redactor(complete + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.target.write(self.redactor(self._pending))
            self._pending = ""
        self.target.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.target, "isatty", lambda: False)())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")
