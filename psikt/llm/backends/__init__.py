"""Text generation behind one async interface: stream() (cancellable), complete(), health()."""

from .base import Backend, BackendError, GenerationRequest
from .rule import RuleBackend

__all__ = ["Backend", "BackendError", "GenerationRequest", "RuleBackend"]
