"""Turn one token into the credentials each spec declares (`Bearer`, TeamUp's `Token`, an API key).

The token comes from an environment variable or from an explicit header; without either a
placeholder is sent, which is enough for the mock (it accepts any token unless pinned) and is said
out loud, because it proves nothing about a real API's auth.
"""

from __future__ import annotations

import base64

import os
from dataclasses import dataclass

from mockserver.spec import Spec

PLACEHOLDER_TOKEN = "contracts-placeholder-token"
DEFAULT_TOKEN_ENV = "CONTRACTS_TOKEN"


@dataclass(frozen=True)
class TokenSource:
    token: str
    origin: str  # for output: "environment variable X", "--header Authorization", "placeholder"
    explicit_headers: dict  # --header values, sent as given (credential headers included)

    @property
    def is_placeholder(self) -> bool:
        return self.origin == "placeholder"

    @property
    def has_auth_header(self) -> bool:
        return any(name.lower() == "authorization" for name in self.explicit_headers)


def token_source(headers: dict[str, str], token_env: str | None) -> TokenSource:
    """Pick the credential: an explicit Authorization header, then the env variable, then a placeholder.

    Raises ValueError when --token-env names a variable that is not set (a usage error).
    """
    for name, value in headers.items():
        if name.lower() == "authorization":
            _, _, token = value.strip().partition(" ")
            return TokenSource(token.strip() or value.strip(), "--header Authorization", dict(headers))
    if token_env:
        value = os.environ.get(token_env, "")
        if not value.strip():
            raise ValueError(f"--token-env {token_env}: the environment variable is not set or empty")
        return TokenSource(value.strip(), f"environment variable {token_env}", dict(headers))
    value = os.environ.get(DEFAULT_TOKEN_ENV, "").strip()
    if value:
        return TokenSource(value, f"environment variable {DEFAULT_TOKEN_ENV}", dict(headers))
    return TokenSource(PLACEHOLDER_TOKEN, "placeholder", dict(headers))


def credentials_for(spec: Spec, source: TokenSource) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query params) that carry the token the way this spec's security scheme says."""
    headers = dict(source.explicit_headers)
    if source.has_auth_header:
        return headers, {}
    schemes = spec.raw.get("components", {}).get("securitySchemes", {})
    for requirement in spec.raw.get("security", []):
        for name in requirement:
            scheme = schemes.get(name, {})
            kind = scheme.get("type")
            if kind == "http":
                word = (scheme.get("x-prefixes") or [str(scheme.get("scheme", "bearer")).capitalize()])[0]
                token = source.token
                if word == "Basic" and not scheme.get("x-prefixes"):  # base64 `user:password`; a bare key is the user
                    token = base64.b64encode((token if ":" in token else token + ":").encode()).decode()
                headers["Authorization"] = f"{word} {token}"
                return headers, {}
            if kind == "apiKey" and scheme.get("in") == "header":
                headers[scheme["name"]] = source.token
                return headers, {}
            if kind == "apiKey" and scheme.get("in") == "query":
                return headers, {scheme["name"]: source.token}
            if kind in ("oauth2", "openIdConnect"):
                headers["Authorization"] = f"Bearer {source.token}"
                return headers, {}
    return headers, {}
