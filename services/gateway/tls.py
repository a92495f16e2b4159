"""The HTTPS listener's certificate: the one given (LUUTRU_TLS_CERT/LUUTRU_TLS_KEY) or one made
at set-up by a local CA for this host's names and addresses (docs/https.md).

`python -m services.gateway.tls` (deploy/run.sh) keeps the CA (made once; its certificate is what
the office's PCs trust) and makes a new server certificate on each start, so a changed address
or LUUTRU_TLS_NAMES is covered.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import socket
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from services.common.config import Settings, process_settings

CA_DAYS = 3650
SERVER_DAYS = 397  # browsers refuse server certificates valid longer than 398 days
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def tls_dir(settings: Settings) -> Path:
    return settings.data_dir / "tls"


def certificate_paths(settings: Settings) -> tuple[Path, Path]:
    """(certificate, key) the HTTPS listener serves: the given ones, else the local CA's."""
    if settings.tls_cert and settings.tls_key:
        return settings.tls_cert, settings.tls_key
    return tls_dir(settings) / "server.crt", tls_dir(settings) / "server.key"


def host_names(extra: str = "") -> tuple[list[str], list[Address]]:
    """This host's DNS names and IP addresses, and those of `extra` (comma-separated)."""
    names = {"localhost", socket.gethostname(), socket.getfqdn()}
    addresses: set[Address] = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    addresses |= {ipaddress.ip_address(a) for a in _lan_addresses()}
    for item in filter(None, (part.strip() for part in extra.split(","))):
        try:
            addresses.add(ipaddress.ip_address(item))
        except ValueError:
            names.add(item)
    return sorted(n for n in names if n), sorted(addresses, key=str)


def _lan_addresses() -> set[str]:
    """Addresses other PCs may reach: those of the host name and the default route's."""
    found = set()
    with contextlib.suppress(OSError):
        found |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe, contextlib.suppress(OSError):
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent by a UDP connect
        found.add(probe.getsockname()[0])
    return {a.split("%")[0] for a in found}


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)


def _certificate(subject, issuer, key, signer, days: int, extensions) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer, hashes.SHA256())


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "luutru"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def ensure_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The local CA (made once, never overwritten: the office's PCs trust its certificate)."""
    cert_path, key_path = directory / "ca.crt", directory / "ca.key"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        return cert, key  # type: ignore[return-value]
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(f"luutru CA {socket.gethostname()}")
    cert = _certificate(
        subject,
        subject,
        key,
        key,
        CA_DAYS,
        [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
            (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        ],
    )
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def make_server_certificate(directory: Path, extra_names: str = "") -> Path:
    """A server certificate signed by the local CA for this host; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = ensure_ca(directory)
    names, addresses = host_names(extra_names)
    key = ec.generate_private_key(ec.SECP256R1())
    alt_names = [x509.DNSName(n) for n in names] + [x509.IPAddress(a) for a in addresses]
    cert = _certificate(
        _name(names[0]),
        ca_cert.subject,
        key,
        ca_key,
        SERVER_DAYS,
        [
            (x509.SubjectAlternativeName(alt_names), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
        ],
    )
    _write_key(directory / "server.key", key)
    chain = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "server.crt").write_bytes(chain)
    return directory / "server.crt"


def main() -> None:
    settings = process_settings()
    if settings.https_port == 0:
        return
    if settings.tls_cert or settings.tls_key:
        missing = [str(p) for p in (settings.tls_cert, settings.tls_key) if not p or not p.exists()]
        if missing:
            sys.exit(f"luutru: LUUTRU_TLS_CERT/LUUTRU_TLS_KEY missing: {', '.join(missing)}")
        return
    make_server_certificate(tls_dir(settings), settings.tls_names)
    print(f"luutru: HTTPS certificate by the local CA {tls_dir(settings) / 'ca.crt'}")


if __name__ == "__main__":
    main()
