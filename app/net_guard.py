"""Which addresses Avisos may connect to for a URL an admin or an API client entered (webhook
endpoints, pull-sync sources), and connecting to exactly the address that was checked.

A host passes when every address it resolves to is public (`is_global`), or when the operator's
allow-list for that feature (WEBHOOK_ALLOWED_HOSTS, SYNC_ALLOWED_HOSTS: host names, IPs or CIDRs)
names it. Otherwise Avisos could be used to reach its own network: loopback, private ranges, the
cloud metadata service at 169.254.169.254 (link-local), or its own database.

`check` returns the addresses it judged; callers connect to one of them and never resolve the name
again, so a DNS answer that changes between the check and the connection (rebinding) cannot send
the request elsewhere. `PinnedAdapter` does that for requests (webhooks), keeping the host name
for the Host header, TLS SNI and the certificate check.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from requests import ConnectionError as RequestsConnectionError
from requests.adapters import HTTPAdapter

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    """A host and port as checked: the addresses it resolved to, and why it may not be used (or None)."""

    host: str
    port: int
    addresses: tuple[str, ...]
    problem: str | None

    @property
    def address(self) -> str:
        """The address to connect to (the first one checked)."""
        return self.addresses[0]


def resolve(host: str, port: int) -> tuple[str, ...]:
    """The IP addresses `host` resolves to now (empty when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return ()
    return tuple(sorted({info[4][0].split("%", 1)[0] for info in infos}))


def allowed_by(host: str, addresses: Iterable[str], allow_list: Iterable[str]) -> bool:
    """True when an entry names `host`, or is an IP or network covering every one of `addresses`."""
    addresses = list(addresses)
    for entry in allow_list or ():
        if entry.lower() == host.lower():
            return True
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if addresses and all(ipaddress.ip_address(a) in network for a in addresses):
            return True
    return False


def check(host: str, port: int, allow_list: Iterable[str], setting: str) -> Target:
    """Resolve `host` once and judge its addresses; `setting` names the allow-list in the message."""
    addresses = resolve(host, port)
    if not addresses:
        return Target(host, port, addresses, f"No se pudo resolver el host '{host}'.")
    if allowed_by(host, addresses, allow_list):
        return Target(host, port, addresses, None)
    for address in addresses:
        if not ipaddress.ip_address(address).is_global:
            return Target(host, port, addresses,
                          f"El host '{host}' resuelve a una dirección privada, local o reservada ({address}); "
                          f"añádalo a {setting} si es intencionado.")
    return Target(host, port, addresses, None)


def url_target(url: str, allow_list: Iterable[str], setting: str) -> Target:
    """`check` for an http(s) URL without credentials in it."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return Target("", 0, (), "Debe ser una URL http:// o https:// con un host.")
    if parts.username or parts.password:
        return Target(parts.hostname, 0, (), "La URL no puede llevar usuario ni contraseña.")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return Target(parts.hostname, 0, (), "El puerto de la URL no es válido.")
    return check(parts.hostname, port, allow_list, setting)


class PinnedAdapter(HTTPAdapter):
    """A requests adapter that connects only to pinned addresses: `pin(target)` before sending to a
    URL of that host and port. The Host header, SNI and certificate check keep the host name; a
    request to a host nobody pinned is refused without resolving it."""

    def __init__(self) -> None:
        super().__init__()
        self._pins: dict[tuple[str, int], str] = {}

    def pin(self, target: Target) -> None:
        self._pins[(target.host.lower(), target.port)] = target.address

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host, scheme = host_params["host"], host_params["scheme"]
        address = self._pins.get((host.lower(), host_params["port"] or DEFAULT_PORTS.get(scheme, 0)))
        if address is None:
            raise RequestsConnectionError(f"{host} was not checked before connecting", request=request)
        if scheme == "https":
            pool_kwargs["server_hostname"] = host
            if pool_kwargs.get("cert_reqs") != "CERT_NONE":
                pool_kwargs["assert_hostname"] = host
        return {**host_params, "host": address}, pool_kwargs

    def send(self, request, *args, **kwargs):
        # The connection's host is now an address: name the real host in the Host header.
        request.headers.setdefault("Host", urlsplit(request.url).netloc)
        return super().send(request, *args, **kwargs)
