"""`python -m ombuds.ops`: what an operator generates before a first deployment.

    python -m ombuds.ops secrets deploy/secrets          # a signing key per service
    python -m ombuds.ops certificate-key deploy/secrets  # mediation's certificate key
    python -m ombuds.ops master-key                      # one master key, for a key ring
    python -m ombuds.ops pseudonym-key                   # the gateways' pseudonym key
    python -m ombuds.ops fingerprint-key                 # intake's fingerprint key

Private keys land in DIR (mode 0600), public halves in DIR/public, which is
what the gateway publishes on its internal JWKS. Existing files are never
overwritten: rotating a key is a deliberate step (docs/operations.md).
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from ombuds.system import SERVICES
from ombuds_shared.crypto import generate_master_key
from ombuds_shared.keys import generate_key_file


def write_signing_keys(folder: Path, label: str | None = None) -> list[Path]:
    """Creates each service's Ed25519 key pair; returns the files written."""
    suffix = f".{label}" if label else ""
    public = folder / "public"
    public.mkdir(parents=True, exist_ok=True)
    pairs = [
        (folder / f"{spec.name}{suffix}.pem", public / f"{spec.name}{suffix}.pub.pem")
        for spec in SERVICES
    ]
    # All or nothing: a half-written set would mix keys of two generations.
    if existing := [str(p) for pair in pairs for p in pair if p.exists()]:
        raise FileExistsError(f"not replacing existing keys: {', '.join(existing)}")
    written = []
    for private_path, public_path in pairs:
        key = generate_key_file(private_path)
        public_path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        written += [private_path, public_path]
    return written


def write_certificate_key(folder: Path, label: str | None = None) -> Path:
    """Creates mediation's certificate signing key (its public half is published by the
    service itself, on the gateway's /.well-known/jwks.json)."""
    path = folder / f"certificate-signing{f'.{label}' if label else ''}.pem"
    if path.exists():
        raise FileExistsError(f"not replacing existing key: {path}")
    generate_key_file(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ombuds.ops",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    secrets = commands.add_parser("secrets", help="write a signing key pair per service")
    secrets.add_argument("folder", type=Path)
    secrets.add_argument(
        "--label", help="name the keys <service>.<label>.pem, e.g. for the next rotation"
    )
    certificate = commands.add_parser(
        "certificate-key", help="write mediation's certificate signing key"
    )
    certificate.add_argument("folder", type=Path)
    certificate.add_argument("--label", help="name it certificate-signing.<label>.pem")
    commands.add_parser("master-key", help="print a new envelope master key (id:base64)")
    commands.add_parser(
        "pseudonym-key", help="print a new pseudonym key for the gateways (base64, 32 bytes)"
    )
    commands.add_parser(
        "fingerprint-key",
        help="print a new key for intake's submission fingerprints (base64, 32 bytes)",
    )
    args = parser.parse_args(argv)
    if args.command == "master-key":
        print(generate_master_key())
        return 0
    if args.command in ("pseudonym-key", "fingerprint-key"):
        print(base64.b64encode(os.urandom(32)).decode())
        return 0
    try:
        if args.command == "certificate-key":
            args.folder.mkdir(parents=True, exist_ok=True)
            print(write_certificate_key(args.folder, args.label))
            return 0
        for path in write_signing_keys(args.folder, args.label):
            print(path)
    except FileExistsError as exc:
        print(f"ombuds.ops: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
