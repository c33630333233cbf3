"""The one HTTP client of pubsite: httpx with a timeout, a retry on 429 and 5xx (waiting
as Retry-After asks, within a cap), and a User-Agent with a contact address when the
profile has an email, as Crossref's and OpenAlex's etiquette asks. Every failure is one
`FetchError` line naming the service and what to do."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import httpx

from pubsite import __version__
from pubsite.errors import EXIT_INPUT, PubsiteError

TIMEOUT = 20.0  # seconds for each of connect, read, write
TRIES = 3  # a 429 or 5xx is asked again twice
MAX_WAIT = 5.0  # seconds: a Retry-After beyond this is not waited for

# Each service's address; the environment may point one elsewhere (a mirror, or the
# local server the tests answer from with recorded responses).
SERVICES = {
    "crossref": ("PUBSITE_CROSSREF_URL", "https://api.crossref.org"),
    "arxiv": ("PUBSITE_ARXIV_URL", "https://export.arxiv.org"),
    "dblp": ("PUBSITE_DBLP_URL", "https://dblp.org"),
    "openalex": ("PUBSITE_OPENALEX_URL", "https://api.openalex.org"),
    "semantic-scholar": ("PUBSITE_S2_URL", "https://api.semanticscholar.org"),
}


# What `pubsite add` suggests when a service cannot give the metadata: a command that
# works as written (the shell hands the saved file to `-`, stdin).
PASTE = ("save the paper's BibTeX (its page's Cite or Export button) as paper.bib and "
         "run: pubsite add - < paper.bib")


class FetchError(PubsiteError):
    """A service could not answer usefully: no network, a 404, a timeout, a bad answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_INPUT)


def base(service: str) -> str:
    env, default = SERVICES[service]
    return os.environ.get(env, "").rstrip("/") or default


@dataclass(frozen=True, slots=True)
class Client:
    email: str = ""
    hint: str = ""  # what to do instead when the service cannot be reached

    def user_agent(self) -> str:
        contact = f"; mailto:{self.email}" if self.email else ""
        return f"pubsite/{__version__} (https://pypi.org/project/pubsite/{contact})"

    def get(self, url: str, what: str, accept: str = "*/*") -> httpx.Response:
        """The answer to GET url (2xx), retried on 429 and 5xx; `what` names the thing asked
        for in the one-line error ("the DOI 10.1/x at api.crossref.org")."""
        headers = {"User-Agent": self.user_agent(), "Accept": accept}
        with httpx.Client(timeout=TIMEOUT, headers=headers, follow_redirects=True,
                          transport=httpx.HTTPTransport(retries=1)) as client:
            for attempt in range(1, TRIES + 1):
                response = _ask(client, url, what, self.hint)
                if response.status_code == 429 or response.status_code >= 500:
                    if attempt < TRIES:
                        time.sleep(_wait(response, attempt))
                        continue
                    raise FetchError(f"{what}: the service answered "
                                     f"{response.status_code} {response.reason_phrase} "
                                     f"{TRIES} times; try again later")
                if response.status_code == 404:
                    raise FetchError(f"{what}: not found (404); check the identifier")
                if response.status_code >= 400:
                    raise FetchError(f"{what}: the service refused the request "
                                     f"({response.status_code} {response.reason_phrase})")
                return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _ask(client: httpx.Client, url: str, what: str, hint: str) -> httpx.Response:
    host = httpx.URL(url).host
    instead = f", or {hint}" if hint else ""
    try:
        return client.get(url)
    except httpx.TimeoutException:
        raise FetchError(f"{what}: {host} gave no answer within {TIMEOUT:.0f} s; try again "
                         f"later{instead}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{what}: cannot reach {host} ({_reason(exc)}); check the network "
                         f"and try again{instead}") from None


# What a failed connection's error says, and what that means to someone at a terminal.
_REASONS = (
    (("name or service not known", "nodename nor servname", "name resolution",
      "getaddrinfo failed", "no address associated"),
     "its name does not resolve: no network, or no DNS"),
    (("connection refused",), "the connection was refused"),
    (("network is unreachable", "no route to host"), "the network is unreachable"),
    (("certificate", "ssl"), "its TLS certificate could not be checked"),
)


def _reason(exc: httpx.HTTPError) -> str:
    said = str(exc) or type(exc).__name__
    low = said.lower()
    return next((why for needles, why in _REASONS if any(n in low for n in needles)),
                " ".join(said.split()))


def _wait(response: httpx.Response, attempt: int) -> float:
    """Retry-After in seconds when the service says it, else 0.5 s, 1 s; never past the cap."""
    said = response.headers.get("Retry-After", "")
    if said.isdigit():
        return min(float(said), MAX_WAIT)
    return min(0.5 * attempt, MAX_WAIT)
