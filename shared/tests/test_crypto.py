import base64
import os

import pytest

from ombuds_shared.crypto import Envelope, KeyDestroyed, generate_master_key, parse_master_keys
from ombuds_shared.errors import ServiceUnavailable


def _ring(*ids: str) -> dict[str, bytes]:
    return {key_id: os.urandom(32) for key_id in ids}


def test_sealed_text_opens_with_its_key_and_field_only() -> None:
    envelope = Envelope(_ring("a"))
    wrapped = envelope.new_wrapped_key("visitor:1")
    data_key = envelope.unwrap(wrapped, "visitor:1")
    sealed = Envelope.seal(data_key, "Amina Diallo", "visitor:1:name")
    assert b"Amina" not in sealed
    assert Envelope.open(data_key, sealed, "visitor:1:name") == "Amina Diallo"
    with pytest.raises(KeyDestroyed):  # moved to another field: refused
        Envelope.open(data_key, sealed, "visitor:1:email")


def test_a_wrapped_key_is_bound_to_its_record() -> None:
    envelope = Envelope(_ring("a"))
    wrapped = envelope.new_wrapped_key("visitor:1")
    with pytest.raises(Exception):  # noqa: B017, PT011 - InvalidTag from cryptography
        envelope.unwrap(wrapped, "visitor:2")


def test_destroyed_key_makes_content_unreadable() -> None:
    envelope = Envelope(_ring("a"))
    with pytest.raises(KeyDestroyed):
        envelope.unwrap(None, "visitor:1")


def test_rotation_keeps_old_records_readable_and_rewraps() -> None:
    old = _ring("old")
    wrapped = Envelope(old).new_wrapped_key("c:1")
    data_key = Envelope(old).unwrap(wrapped, "c:1")
    rotated = Envelope({**old, **_ring("new")})
    assert rotated.active_key_id == "new"
    assert rotated.unwrap(wrapped, "c:1") == data_key
    rewrapped = rotated.rewrap(wrapped, "c:1")
    assert Envelope({"new": rotated.master_keys["new"]}).unwrap(rewrapped, "c:1") == data_key


def test_missing_master_key_fails_closed() -> None:
    wrapped = Envelope(_ring("gone")).new_wrapped_key("c:1")
    with pytest.raises(ServiceUnavailable):
        Envelope(_ring("other")).unwrap(wrapped, "c:1")


def test_master_key_spec_is_validated() -> None:
    assert len(parse_master_keys(generate_master_key())) == 1
    short = "k:" + base64.b64encode(b"x" * 16).decode()
    for bad in ("", "nocolon", short, "k:not-base64!"):
        with pytest.raises(ValueError):  # noqa: PT011
            parse_master_keys(bad)


def test_a_master_key_id_must_fit_the_header_of_a_wrapped_key() -> None:
    key = base64.b64encode(b"k" * 32).decode()
    ring = parse_master_keys(f"{'a' * 16}:{key}")
    wrapped = Envelope(ring).new_wrapped_key("c:1")
    assert Envelope.wrapped_by(wrapped) == "a" * 16
    with pytest.raises(ValueError, match="longer than 16 bytes"):
        parse_master_keys(f"{'a' * 17}:{key}")
