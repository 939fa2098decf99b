"""The throwaway PKI of the test control plane: one CA, the API server's serving certificate,
client certificates whose subjects are the identities RBAC knows, and the service-account key.

Generated in-process with `cryptography` so every component authenticates the way it does in a
real cluster (x509 client certs checked against `--client-ca-file`) instead of through an
insecure port or a static token file.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=2)
SERVER_DNS = ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc")
# 10.88.0.1: the real node's bridge address, where pods reach the API (node_services.py).
SERVER_IPS = ("127.0.0.1", "10.0.0.1", "10.88.0.1")


@dataclass(frozen=True)
class ClientCert:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    sa_key: Path
    sa_pub: Path
    clients: dict[str, ClientCert]


def _write_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(parts)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, now: dt.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _leaf(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    now: dt.datetime,
    san: x509.SubjectAlternativeName | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        _builder(subject, ca_cert.subject, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if san is not None:
        builder = builder.add_extension(san, critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _save(pair: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], cert: Path, key: Path) -> None:
    cert.write_bytes(pair[0].public_bytes(serialization.Encoding.PEM))
    _write_key(pair[1], key)


def generate(directory: Path, clients: dict[str, tuple[str, str | None]]) -> Pki:
    """Write the PKI under `directory`; `clients` maps a file stem to (user, group)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("crpbot-test-ca")
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca = (ca_cert, ca_key)
    _save(ca, directory / "ca.crt", directory / "ca.key")
    san = x509.SubjectAlternativeName(
        [x509.DNSName(d) for d in SERVER_DNS]
        + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_IPS]
    )
    server = _leaf(ca, _name("kube-apiserver"), ExtendedKeyUsageOID.SERVER_AUTH, now, san)
    _save(server, directory / "apiserver.crt", directory / "apiserver.key")
    issued: dict[str, ClientCert] = {}
    for stem, (user, group) in clients.items():
        pair = _leaf(ca, _name(user, group), ExtendedKeyUsageOID.CLIENT_AUTH, now)
        issued[stem] = ClientCert(directory / f"{stem}.crt", directory / f"{stem}.key")
        _save(pair, issued[stem].cert, issued[stem].key)
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_key(sa_key, directory / "sa.key")
    (directory / "sa.pub").write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return Pki(
        ca_cert=directory / "ca.crt",
        server_cert=directory / "apiserver.crt",
        server_key=directory / "apiserver.key",
        sa_key=directory / "sa.key",
        sa_pub=directory / "sa.pub",
        clients=issued,
    )


def issue_client(credentials: Pki, stem: str, user: str, group: str | None) -> ClientCert:
    """One more client certificate from the session's CA (its key lies beside its cert), for
    an identity that joins after the control plane started, such as a node's kubelet."""
    directory = credentials.ca_cert.parent
    ca_cert = x509.load_pem_x509_certificate(credentials.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"unexpected CA key type {type(ca_key).__name__}")
    now = dt.datetime.now(dt.UTC)
    pair = _leaf((ca_cert, ca_key), _name(user, group), ExtendedKeyUsageOID.CLIENT_AUTH, now)
    issued = ClientCert(directory / f"{stem}.crt", directory / f"{stem}.key")
    _save(pair, issued.cert, issued.key)
    return issued
