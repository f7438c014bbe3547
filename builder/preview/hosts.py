"""Which ``Host`` headers (and reload-channel ``Origin``s) the preview answers.

DNS rebinding works by a name: a page of ``evil.example`` whose name is later pointed at
the author's machine sends ``Host: evil.example``. So the preview answers loopback names,
the address it listens on, and names the author allows (``--allow-host``). Listening on all
addresses (``--host 0.0.0.0``) also answers any IP address literal (a browser on another
machine asks for ``http://192.168.1.20:8000/``; no page can rebind a literal) and this
machine's own host names.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(bind: str) -> bool:
    try:
        return bind == "localhost" or ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Hosts:
    names: frozenset[str]  # host names and literals, lower case, without port
    port: int
    literals: bool  # any IP address literal is fine (listening beyond loopback)

    def host_ok(self, header: str) -> bool:
        name, port = _split(header.strip().lower())
        if port is not None and port != str(self.port):
            return False
        if name in self.names or name.endswith(".localhost"):
            return True
        return self.literals and _is_literal(name)

    def origin_ok(self, origin: str) -> bool:
        scheme, _, rest = origin.strip().lower().partition("://")
        return scheme == "http" and self.host_ok(rest)


def _split(host: str) -> tuple[str, str | None]:
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else None
    name, colon, port = host.partition(":")
    return name, port if colon else None


def _is_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def allowed_hosts(bind: str, port: int, allow: Iterable[str] = ()) -> Hosts:
    """What a preview listening on ``bind``:``port`` answers to."""
    names = {*_LOOPBACK, bind.strip("[]").lower(), *(a.lower() for a in allow)}
    wide = not is_loopback(bind)
    if wide:
        names |= _own_names()
    return Hosts(frozenset(names), port, wide)


def _own_names() -> set[str]:
    """This machine's host names, as other machines on its network may know it."""
    host = socket.gethostname().lower()  # not getfqdn(): a DNS lookup can hang for seconds
    return {host, f"{host}.local"}
