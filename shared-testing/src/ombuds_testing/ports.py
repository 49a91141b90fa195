"""Picking loopback ports for tests and benchmarks that start servers.

Ports are chosen below the kernel's ephemeral range. A port the kernel handed
out (bind to port 0) can be taken a moment later as the local end of any
outgoing connection, a database client's for instance, and the server that was
meant to listen there then fails with "address already in use". Below the
ephemeral range only another deliberate pick can collide, and the picks of one
process never repeat.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

HOST = "127.0.0.1"
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000
_handed_out: set[int] = set()


def _below_ephemeral() -> int:
    """The first port of the ephemeral range (32768 where the kernel does not say)."""
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port_block(size: int = 1, tries: int = 100) -> int:
    """A base port with `size` consecutive ports free on 127.0.0.1 after it."""
    highest = max(_LOWEST + size, _below_ephemeral() - size)
    for _ in range(tries):
        base = random.randint(_LOWEST, highest)  # noqa: S311 - not a secret
        block = range(base, base + size)
        if _handed_out.intersection(block):
            continue
        sockets: list[socket.socket] = []
        try:
            for port in block:
                sock = socket.socket()
                sockets.append(sock)
                sock.bind((HOST, port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        _handed_out.update(block)
        return base
    raise RuntimeError(f"no block of {size} free ports found on {HOST}")


def free_port() -> int:
    return free_port_block(1)
