"""``Limits``: what the sandbox allows one worker process (one submission).

Plain data, no behaviour: the client (``grader.sandbox.client``) turns it into the worker's
configuration, and the worker applies what it can (see ``Worker.capabilities`` for what was
actually enforced on this machine).

Units: bytes for sizes, seconds for times. ``None`` switches a resource limit off.
"""
from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

#: The unprivileged user/group (``nobody``) a worker started by root runs student code as.
NOBODY = 65534


@dataclass(frozen=True)
class Limits:
    """Resource limits and isolation switches for one sandboxed worker.

    address_space:   RLIMIT_AS, bytes of virtual memory; a larger allocation raises MemoryError.
    cpu_seconds:     RLIMIT_CPU for the worker's whole life (not per call); over it the kernel
                     kills the worker with SIGXCPU (reported as ``WorkerCrashed``).
    nproc:           how many *more* processes/threads the worker may create. RLIMIT_NPROC counts
                     every task of the real uid, so the worker sets it to (tasks the uid already
                     has) + nproc. It is not enforced for uid 0: see ``drop_privileges``.
    nproc_sharers:   how many workers share that uid's count at the same time (a
                     ``WorkerPool`` of N sets N): each worker's limit also leaves room for the
                     other N - 1 workers' ``nproc`` each, so one worker of a pool using its whole
                     allowance cannot starve the others.
    file_size:       RLIMIT_FSIZE, bytes; a larger write fails with OSError (EFBIG).
    call_timeout:    default wall-clock seconds per request; on expiry the worker's process group
                     gets SIGTERM, then SIGKILL after ``kill_grace`` seconds.
    startup_timeout: wall-clock seconds for a worker to start and say hello.
    kill_grace:      seconds between SIGTERM and SIGKILL.
    output_bytes:    bytes of stdout and of stderr kept (head and tail); the rest is counted only.
    message_bytes:   cap on one protocol message (arrays included), both directions. Arrays are
                     also capped at ``message_bytes // 8`` elements.
    threads:         OMP/OpenBLAS/MKL thread count in the worker.
    drop_privileges: when the grader runs as root, run student code as uid/gid 65534.
    isolate_network: give the worker an empty network namespace (loopback only) when possible.
    isolate_processes: make the worker the init of its own PID namespace when possible, so every
                     process it starts dies with it and it cannot see or signal other processes.
    hide_grader:     when privileges are dropped, mount empty folders over the grader's own
                     package folders (``grader``, ``reference``, ``rubrics``, ``known_mistakes``,
                     ``hidden_checks``, ``course_helpers``) so their files (reference solution,
                     fixtures, hidden checks) cannot be read from the worker.
    hidden_paths:    more folders hidden the same way (the engine adds the fixture folder of the
                     rubric in use, which may lie outside the grader's packages).
    private_tmp:     when privileges are dropped, give the worker its own empty temp folders
                     (``/tmp``, ``/var/tmp``, ``/dev/shm``: a tmpfs of ``file_size`` bytes each),
                     so nothing it writes there outlives it and it cannot reach files or Unix
                     sockets other programs left there.
    blocked_imports: top-level module names student code may not import.
    data_dirs:       folders of read-only ``.npy`` data files the worker may open as memory maps
                     (``protocol.DataFile``; ``grader.datasets`` puts its CIFAR-10 cache here). They
                     are made readable for the worker and, with a private mount namespace,
                     mounted read-only (``capabilities["read_only_data"]``).
    spin_seconds:    how long each end of the channel reads again and again for the next message
                     before it sleeps in ``poll``. Waking a sleeping process on an idle core costs
                     tens of microseconds a message (an empty round trip ~276 us without, ~40 us
                     with, on the development machine); when every core is busy the spinning
                     takes CPU from other work, so ``grade class`` with more than one job and
                     dask tasks set 0.
    """

    address_space: int | None = 4 * GiB
    cpu_seconds: int | None = 120
    nproc: int | None = 64
    nproc_sharers: int = 1
    file_size: int | None = 64 * MiB
    call_timeout: float = 20.0
    startup_timeout: float = 20.0
    kill_grace: float = 1.0
    output_bytes: int = 64 * KiB
    message_bytes: int = 64 * MiB
    threads: int = 1
    drop_privileges: bool = True
    isolate_network: bool = True
    isolate_processes: bool = True
    hide_grader: bool = True
    hidden_paths: tuple[str, ...] = ()
    private_tmp: bool = True
    blocked_imports: tuple[str, ...] = ("grader", "reference", "rubrics", "known_mistakes", "hidden_checks",
                                        "course_helpers")
    data_dirs: tuple[str, ...] = ()
    spin_seconds: float = 2e-4

    @property
    def max_elements(self) -> int:
        """Cap on the number of elements of the arrays of one message."""
        return max(1, self.message_bytes // 8)
