"""Image references as the kubelet and containerd parse them (the distribution/reference grammar).

:func:`parse` splits a reference into registry, repository, tag and digest with Docker Hub's
defaults filled in (``nginx`` is ``docker.io/library/nginx:latest``) or raises
:class:`InvalidReference` with the text the kubelet puts in its ``InspectFailed`` event and the
container's ``InvalidImageName`` state (``couldn't parse image name "X": invalid reference
format``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["InvalidReference", "Reference", "canonical_name", "normalize_ref", "parse"]

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_HEX64 = re.compile(r"[a-f0-9]{64}")
_NAME_MAX = 255


class InvalidReference(ValueError):
    """A reference the runtime cannot parse; ``str`` is the kubelet's message after its prefix."""


@dataclass(frozen=True)
class Reference:
    registry: str
    repository: str
    tag: str
    digest: str = ""

    @property
    def name(self) -> str:
        """``registry/repository:tag`` (containerd's canonical form, digest left out)."""
        return f"{self.registry}/{self.repository}:{self.tag}"


def _split_domain(name: str) -> tuple[str, str]:
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return first, rest
    return "docker.io", name


def parse(ref: str) -> Reference:
    """The reference ``ref`` names, normalised; :class:`InvalidReference` when it is malformed."""
    def bad(detail: str = "") -> InvalidReference:
        return InvalidReference(f'couldn\'t parse image name "{ref}": invalid reference format{detail}')

    if _HEX64.fullmatch(ref):
        raise InvalidReference(f'couldn\'t parse image name "{ref}": invalid repository name ({ref}), cannot '
                               "specify 64-byte hexadecimal strings")
    # ParseNormalizedNamed's order: the domain split and the lowercase check come before the grammar.
    domain, remainder = _split_domain(ref)
    if domain == "docker.io" and "/" not in remainder.split(":", 1)[0].split("@", 1)[0]:
        remainder = "library/" + remainder
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise bad(f": repository name ({remote}) must be lowercase")
    rest, at, digest = ref.partition("@")
    if at and not _DIGEST.fullmatch(digest):
        raise bad()
    name, tag = rest, ""
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        name, tag = rest[:colon], rest[colon + 1:]
        if not _TAG.fullmatch(tag):
            raise bad()
    domain, path = _split_domain(name)
    if not path or not _PATH.fullmatch(path) or not _DOMAIN.fullmatch(domain):
        raise bad()
    if len(name) > _NAME_MAX:
        raise InvalidReference(f'couldn\'t parse image name "{ref}": repository name must not be more than '
                               f"{_NAME_MAX} characters")
    if domain in ("index.docker.io", "registry-1.docker.io"):
        domain = "docker.io"
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    return Reference(domain, path, tag or "latest", digest)


def normalize_ref(ref: str) -> tuple[str, str, str]:
    """(registry, repository, tag) with Docker Hub's defaults filled in (``library/``, ``latest``);
    lenient: a malformed reference is split as well as it can be."""
    try:
        r = parse(ref.strip())
        return r.registry, r.repository, r.tag
    except InvalidReference:
        pass
    ref = ref.strip().split("@", 1)[0]
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", ref
    if registry == "docker.io" and "/" not in path.split(":")[0]:
        path = "library/" + path
    repo, colon, tag = path.rpartition(":")
    if not colon or "/" in tag:
        repo, tag = path, "latest"
    return registry, repo, tag


def canonical_name(ref: str) -> str:
    """``ref`` fully qualified as containerd reports it (``docker.io/library/nginx:latest``)."""
    registry, repo, tag = normalize_ref(ref)
    return f"{registry}/{repo}:{tag}"
