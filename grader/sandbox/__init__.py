"""The sandbox: the only place student code runs (see docs/architecture.md, "Sandbox contract").

``Worker`` starts and talks to one worker process per submission (``WorkerPool``: several, with
a deterministic scheduler for independent jobs); ``Limits`` says what it may use; ``Ref`` is a
handle on an object that stays in the worker. Failures of student code raise subclasses of
``StudentError``; failures of the sandbox itself raise ``SandboxError``.
"""
from .client import (ArgsAfter, BadOutput, CallTimeout, ImportFailed, NotImplementedByStudent,
                     SandboxError, StaleRef, StudentError, StudentException, Worker, WorkerCrashed)
from .limits import Limits
from .pool import WorkerPool
from .protocol import Method, ProtocolError, Ref

__all__ = ["Worker", "WorkerPool", "Limits", "Ref", "Method", "ArgsAfter", "StudentError",
           "NotImplementedByStudent", "StudentException", "ImportFailed", "CallTimeout",
           "WorkerCrashed", "BadOutput", "StaleRef", "SandboxError", "ProtocolError"]
