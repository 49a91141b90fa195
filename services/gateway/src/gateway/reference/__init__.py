"""Reference vocabularies for frontends, served by the gateway itself (they are code)."""

from gateway.reference.local import LOCAL_SERVICE, call_local, local_app
from gateway.reference.registry import Listing, register

__all__ = ["LOCAL_SERVICE", "Listing", "call_local", "local_app", "register"]
