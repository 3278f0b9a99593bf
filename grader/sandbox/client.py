"""``Worker``: the grader's handle on one sandboxed worker process (one submission).

::

    with Worker(root, Layout.canonical(root), Limits()) as w:
        out, cache = w.call("layers.affine_forward", x, wt, b, keep=[1])
        dx, dw, db = w.call("layers.affine_backward", dout, cache)

Every request has a wall-clock timeout; a hang, a crash or a protocol violation stops the worker
(SIGTERM to its process group, SIGKILL after ``limits.kill_grace``) and the next request starts a
fresh one (``restarts`` counts them; ``Ref``s from before become ``StaleRef``). Failures of student
code raise subclasses of ``StudentError``; problems of the sandbox itself raise ``SandboxError``.

Cleanup of escaped processes: the worker normally runs in its own PID namespace, so all the
processes it starts die with it. Where that namespace is not available, ``close()`` and every stop
kill the worker's process group and session, its process tree (the worker is a child subreaper, so
orphans stay in its tree), and every process that carries the worker's environment marker. A
process that leaves all of these (new session + re-parented + fresh environment via ``exec``)
survives; only a PID namespace or a cgroup closes that gap (``capabilities["process_cleanup"]``).
"""
from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from ..layout import Layout
from . import protocol
from .confinement import package_folders
from .limits import NOBODY, Limits
from .protocol import Method, NotPlainData, ProtocolError, Ref

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
MARKER = "GRADER_SANDBOX_SESSION"
#: Benchmarks only: a folder in this environment variable makes every worker run its request
#: loop under cProfile and leaves the stats there as ``worker-<pid>.prof`` when it shuts down
#: (written by the worker: read them only for trusted code such as the reference).
PROFILE_ENV = "GRADER_SANDBOX_PROFILE"
#: The shared temp folders of a Linux system (FHS) a worker gets private copies of, besides the
#: grader's own temp folder (``Limits.private_tmp``).
PIPE_BYTES = 1 << 20
SHARED_TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
_UNSET = object()


# -- errors ------------------------------------------------------------------------------------
class StudentError(Exception):
    """Student code failed. ``message``: one line for a report; ``traceback``: the traceback
    trimmed to the student's files (or the worker's last stderr lines), or ``None``;
    ``type``: the student's exception class name, when there was one."""

    def __init__(self, message: str, traceback: str | None = None, type: str | None = None):
        super().__init__(message)
        self.message = message
        self.traceback = traceback
        self.type = type


class NotImplementedByStudent(StudentError):
    """The student's function raised NotImplementedError (the template's placeholder)."""


class StudentException(StudentError):
    """The student's code raised an exception (or called sys.exit)."""


class ImportFailed(StudentError):
    """A module of the submission is missing, or importing it failed (SyntaxError ...)."""


class CallTimeout(StudentError):
    """The request did not finish within its wall-clock timeout; the worker was stopped."""


class WorkerCrashed(StudentError):
    """The worker process died (os._exit, a signal, the CPU limit ...)."""


class BadOutput(StudentError):
    """What came back is not plain data, is over a cap, or has the wrong structure."""


class StaleRef(StudentError):
    """A handle from before a worker restart (or from another worker) was used."""


class SandboxError(Exception):
    """The sandbox itself failed (the worker could not start, a malformed request): a grader
    problem, never the student's."""


_ERRORS = {"not_implemented": NotImplementedByStudent, "exception": StudentException,
           "import_error": ImportFailed, "bad_output": BadOutput, "stale_ref": StaleRef}


class ArgsAfter:
    """The arguments of a call as they were after it (to observe in-place changes).

    ``after[3]`` is the 4th positional argument, ``after["bn_param"]`` a keyword argument.
    """

    def __init__(self, args: tuple, kwargs: dict):
        self.args, self.kwargs = args, kwargs

    def __getitem__(self, key):
        return self.kwargs[key] if isinstance(key, str) else self.args[key]

    def __repr__(self) -> str:
        return f"ArgsAfter(args={self.args!r}, kwargs={self.kwargs!r})"


# -- captured output ---------------------------------------------------------------------------
class _Capture:
    """Keeps the first and last ``cap // 2`` bytes of a stream and counts the rest."""

    def __init__(self, cap: int):
        self.head_cap = cap // 2
        self.tail_cap = cap - cap // 2
        self.head, self.tail = bytearray(), bytearray()
        self.total = 0
        self.lock = threading.Lock()

    def feed(self, data: bytes) -> None:
        with self.lock:
            self.total += len(data)
            room = self.head_cap - len(self.head)
            if room > 0:
                self.head += data[:room]
                data = data[room:]
            if data:
                self.tail = (self.tail + data)[-self.tail_cap:] if self.tail_cap else bytearray()

    def text(self) -> str:
        with self.lock:
            omitted = self.total - len(self.head) - len(self.tail)
            head, tail = bytes(self.head), bytes(self.tail)
        gap = f"\n[... {omitted} bytes not kept ...]\n" if omitted > 0 else ""
        return head.decode("utf-8", "replace") + gap + tail.decode("utf-8", "replace")


def _drain(fd: int, capture: _Capture) -> None:
    try:
        while True:
            data = os.read(fd, 1 << 16)
            if not data:
                break
            capture.feed(data)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- processes -----------------------------------------------------------------------------------
def _proc_stat(pid: int) -> tuple[str, int, int, int, int] | None:
    """(state, ppid, pgrp, session, start time) from /proc, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        rest = data[data.rindex(b")") + 2:].split()
        return rest[0].decode(), int(rest[1]), int(rest[2]), int(rest[3]), int(rest[19])
    except (OSError, ValueError, IndexError):
        return None


def _family(root_pid: int, marker: bytes) -> dict[int, int]:
    """Processes (pid -> start time) that belong to a worker: its process tree, its process
    group and session, and every process whose environment carries ``marker``."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _proc_stat(int(name))
            if st is not None and st[0] != "Z":
                table[int(name)] = st
    protected, pid = set(), os.getpid()
    while pid > 1 and pid not in protected:
        protected.add(pid)
        st = table.get(pid) or _proc_stat(pid)
        pid = st[1] if st else 0
    children: dict[int, list[int]] = {}
    for pid, st in table.items():
        children.setdefault(st[1], []).append(pid)
    found, stack = set(), [root_pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    found.add(root_pid)
    for pid, st in table.items():
        if st[2] == root_pid or st[3] == root_pid:
            found.add(pid)
        elif pid not in found and marker:
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if marker in b"\0" + f.read():
                        found.add(pid)
            except OSError:
                pass
    return {pid: table[pid][4] for pid in found if pid in table and pid not in protected}


def _release(fds: set, session_dir: str) -> None:
    """Close the protocol pipes (a worker reading EOF exits) and remove the session folder; run by
    ``close()``, or when a Worker that was never closed is garbage-collected."""
    for fd in list(fds):
        try:
            os.close(fd)
        except OSError:
            pass
    fds.clear()
    shutil.rmtree(session_dir, ignore_errors=True)


def _kill_all(procs: dict[int, int]) -> None:
    for pid, start in procs.items():
        st = _proc_stat(pid)
        if st is not None and st[4] == start:   # still the same process (no pid reuse)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _exited(pid: int) -> bool:
    """Has our child ``pid`` exited? (does not reap it, so its pid and group stay reserved)"""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not _exited(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)
    return True


def _pending(fd: int) -> bool:
    """Is there something to read on ``fd`` (data, or the other end closed) right now?"""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass


def _status_text(returncode: int | None, limits: Limits) -> str:
    if returncode is None:
        return "it stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        extra = {"SIGXCPU": f" (over its CPU time limit of {limits.cpu_seconds} s)",
                 "SIGKILL": " (out of memory, or stopped)", "SIGSEGV": " (segmentation fault)",
                 "SIGXFSZ": " (wrote a file over the size limit)"}.get(name, "")
        return f"killed by {name}{extra}"
    return f"exited with status {returncode}"


def _site_packages() -> list[str]:
    """The site-packages folders of this interpreter (a virtual environment's when in one),
    without what .pth files add."""
    import site
    import sysconfig
    found = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
    found += [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    return [p for p in dict.fromkeys(found) if os.path.isdir(p)]


def _widen_pipe(fd: int) -> None:
    """Give a protocol pipe a 1 MiB buffer (Linux; the default 64 KiB makes every large array
    cost a context switch per 64 KiB on each side); a refusal keeps the default."""
    try:
        import fcntl
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (ImportError, OSError):
        pass


def _grader_folders(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(folders of the grader's own packages, extra folders of a source checkout) to hide."""
    return package_folders(names)


# -- the worker handle ---------------------------------------------------------------------------
class Worker:
    """One sandboxed worker process for the submission in ``root``.

    root:        the submission folder (a scratch copy made by ``grader.submission``).
    layout:      how its modules are imported (default ``Layout.canonical(root)``).
    limits:      resource limits and timeouts.
    scratch_dir: the worker's working folder, ``HOME`` and ``TMPDIR`` (default: a fresh
                 temporary folder, removed by ``close()``). Files the student writes land there,
                 never in ``root``. When privileges are dropped it is handed to uid 65534.

    Reserved keyword names of ``call``: ``keep``, ``return_args``, ``watch_args``, ``select``,
    ``timeout``.
    """

    def __init__(self, root: str | os.PathLike, layout: Layout | None = None,
                 limits: Limits = Limits(), scratch_dir: str | os.PathLike | None = None):
        self.root = str(Path(root).resolve())
        self.layout = layout if layout is not None else Layout.canonical(self.root)
        self.limits = limits
        self._scratch_arg = scratch_dir
        self._token = secrets.token_hex(8)
        self._marker = f"{MARKER}={self._token}".encode()
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._generation = 0
        self._seq = 0               # request ids; every reply frame must carry its request's
        self._session_dir: str | None = None
        self._scratch: str | None = None
        self._w = self._r = -1
        self._open_fds: set[int] = set()
        self._threads: list[threading.Thread] = []
        self._stdout = _Capture(limits.output_bytes)
        self._stderr = _Capture(limits.output_bytes)
        self._capabilities: dict = {}
        self._hung: dict[str, str] = {}
        self._last_returncode: int | None = None
        self._closed = False
        self._finalizer = None
        self._hello_deadline: float | None = None   # set while a launched worker's hello is due

    # -- public state ----------------------------------------------------------------------------
    @property
    def stdout_text(self) -> str:
        """What student code printed to stdout (head and tail, capped at ``output_bytes``)."""
        return self._stdout.text()

    @property
    def stderr_text(self) -> str:
        return self._stderr.text()

    @property
    def restarts(self) -> int:
        """How many times a fresh worker replaced a crashed or stopped one."""
        return max(0, self._generation - 1)

    @property
    def capabilities(self) -> dict:
        """What the worker could enforce: name -> {"applied": bool, "detail": str}."""
        return dict(self._capabilities)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def scratch_dir(self) -> str | None:
        return self._scratch

    @property
    def _session(self) -> str:
        return f"{self._token}-{self._generation}"

    # -- life cycle ------------------------------------------------------------------------------
    def __enter__(self) -> "Worker":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, wait: bool = True) -> None:
        """Start the worker now (requests start it anyway when needed).

        ``wait=False`` only launches the process: it imports numpy and confines itself while
        the caller goes on (planning a rubric, starting other workers); the first request, or
        ``start()``, then waits for its hello (``SandboxError`` if it does not come)."""
        with self._lock:
            if self._closed:
                raise SandboxError("this Worker was closed")
            if self._proc is None:
                self._spawn()
            if wait and self._hello_deadline is not None:
                self._await_hello()

    def close(self) -> None:
        """Stop the worker and every process it started; remove the temporary folders."""
        with self._lock:
            if self._proc is not None:
                self._stop(graceful=True)
            self._closed = True
            if self._finalizer is not None:
                self._finalizer()

    def _prepare_folders(self) -> None:
        self._session_dir = tempfile.mkdtemp(prefix="sandbox-")
        os.chmod(self._session_dir, 0o711)   # others may pass through to the scratch folder
        self._finalizer = weakref.finalize(self, _release, self._open_fds, self._session_dir)
        if self._scratch_arg is None:
            self._scratch = os.path.join(self._session_dir, "scratch")
            os.mkdir(self._scratch, 0o700)
        else:
            self._scratch = str(Path(self._scratch_arg).resolve())
            os.makedirs(self._scratch, exist_ok=True)

    def _config(self) -> dict:
        lim = self.limits
        hide, extra = _grader_folders(lim.blocked_imports) if lim.hide_grader else ([], [])
        return {
            "root": self.root,
            "layout": self.layout.to_json(),
            "session": self._session_dir,
            "scratch": self._scratch,
            "limits": {"address_space": lim.address_space, "cpu_seconds": lim.cpu_seconds,
                       "nproc": lim.nproc, "nproc_sharers": max(1, int(lim.nproc_sharers)),
                       "file_size": lim.file_size,
                       "message_bytes": lim.message_bytes,
                       "spin_seconds": max(0.0, float(lim.spin_seconds))},
            "drop_to": [NOBODY, NOBODY] if lim.drop_privileges else None,
            "isolate_network": lim.isolate_network,
            "isolate_processes": lim.isolate_processes,
            "hide_grader": lim.hide_grader,
            "hide": hide + [p for p in map(os.path.realpath, lim.hidden_paths)
                            if os.path.isdir(p) and p not in hide],
            "hide_extra": extra,
            "private_tmp": lim.private_tmp,
            "temp_dirs": list(dict.fromkeys([tempfile.gettempdir(), *SHARED_TEMP_DIRS])),
            "blocked_imports": list(lim.blocked_imports),
            "data_dirs": [os.path.realpath(d) for d in lim.data_dirs],
            "profile": bool(os.environ.get(PROFILE_ENV)),
            "site_packages": _site_packages(),
        }

    def _env(self) -> dict[str, str]:
        threads = str(self.limits.threads)
        return {"PATH": os.environ.get("PATH", os.defpath), "HOME": self._scratch,
                "TMPDIR": self._scratch, "LANG": os.environ.get("LANG", "C.UTF-8"),
                "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
                "MKL_NUM_THREADS": threads, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
                MARKER: self._token}

    def _spawn(self) -> None:
        if self._session_dir is None:
            self._prepare_folders()
        self._generation += 1
        config_path = os.path.join(self._session_dir, "config.json")
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self._config(), f)
        r_req, w_req = os.pipe()
        r_rep, w_rep = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        for fd in (r_req, r_rep):
            _widen_pipe(fd)
        # -S: no site module, so no .pth file of the installation runs in the worker (an
        # editable install's import hook among them; ~35-50 ms of start-up): the worker puts the
        # installation's site-packages folders, given in its config, on sys.path itself.
        # -s: no user site; -P: not the script's folder on sys.path; -B: no bytecode written.
        # Not -I: it would ignore PYTHONHASHSEED; the environment is built from scratch anyway.
        flags = ["-S", "-s", "-B"] + (["-P"] if sys.version_info >= (3, 11) else [])
        try:
            self._proc = subprocess.Popen(
                [sys.executable, *flags, str(WORKER_SCRIPT), str(r_req), str(w_rep), config_path],
                pass_fds=(r_req, w_rep), stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w,
                env=self._env(), cwd=self._scratch, start_new_session=True, close_fds=True)
        except OSError:
            for fd in (w_req, r_rep, out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (r_req, w_rep, out_w, err_w):
                os.close(fd)
        self._w, self._r = w_req, r_rep
        self._open_fds.update((w_req, r_rep))
        os.set_blocking(self._w, False)   # every read and write is bounded by a deadline
        os.set_blocking(self._r, False)
        self._threads = [threading.Thread(target=_drain, args=(fd, cap), daemon=True)
                         for fd, cap in ((out_r, self._stdout), (err_r, self._stderr))]
        for t in self._threads:
            t.start()
        self._hello_deadline = time.monotonic() + self.limits.startup_timeout

    def _await_hello(self) -> None:
        deadline, self._hello_deadline = self._hello_deadline, None
        try:
            hello = protocol.recv(self._r, max_bytes=self.limits.message_bytes, deadline=deadline)
            if not (isinstance(hello, dict) and hello.get("hello") is True
                    and isinstance(hello.get("capabilities"), dict)):
                raise ProtocolError("the first message is not a hello")
        except (TimeoutError, EOFError, OSError, ProtocolError) as e:
            self._stop(graceful=False)
            raise SandboxError(f"the sandbox worker did not start ({type(e).__name__}: {e}); "
                               f"stderr: {self.stderr_text[-1500:]}") from None
        self._capabilities = hello["capabilities"]

    def _stop(self, graceful: bool) -> None:
        """Stop the worker and everything it started; reap it."""
        proc = self._proc
        if proc is None:
            return
        self._hello_deadline = None
        family = _family(proc.pid, self._marker)   # before orphans are re-parented
        if graceful and not _exited(proc.pid):
            try:
                protocol.write_frame(self._w, protocol.encode({"op": "shutdown"}),
                                     time.monotonic() + 0.5)
                _wait_exit(proc.pid, max(0.5, self.limits.kill_grace))
            except (OSError, TimeoutError):
                pass
        if not _exited(proc.pid):
            _killpg(proc.pid, signal.SIGTERM)
            _wait_exit(proc.pid, self.limits.kill_grace)
        _killpg(proc.pid, signal.SIGKILL)   # the pid is not reaped yet, so this is still our group
        _kill_all(family)
        for _ in range(5):                   # processes forked while we were killing
            rest = _family(proc.pid, self._marker)
            rest.pop(proc.pid, None)
            if not rest:
                break
            _kill_all(rest)
            time.sleep(0.01)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._last_returncode = proc.returncode
        self._keep_profile(proc.pid)
        for fd in (self._w, self._r):
            if fd in self._open_fds:
                self._open_fds.discard(fd)
                os.close(fd)
        self._w = self._r = -1
        for t in self._threads:
            t.join(timeout=1.0)
        self._proc = None

    def _keep_profile(self, pid: int) -> None:
        folder = os.environ.get(PROFILE_ENV)
        stats = os.path.join(self._scratch or "", "worker.prof")
        if folder and self._scratch and os.path.isfile(stats) and not os.path.islink(stats):
            os.makedirs(folder, exist_ok=True)
            shutil.move(stats, os.path.join(folder, f"worker-{pid}.prof"))

    # -- one request -----------------------------------------------------------------------------
    def _ref_id(self, x: Any):
        if isinstance(x, Ref):
            if x.session != self._session:
                raise StaleRef(f"a {x.type} handle from before the worker was restarted (after a "
                               "crash or a timeout) cannot be used any more")
            return x.id, x.type
        return None

    def _make_ref(self, ref_id: int, type_: str) -> Ref:
        return Ref(ref_id, type_[:100], self._session)

    def _request(self, message: dict, *, timeout: float | None, desc: str,
                 modules: list[str] = ()) -> Any:
        with self._lock:
            for m in modules:
                if m in self._hung:
                    what = f"importing {m}" if m else "importing the submission package"
                    raise ImportFailed(f"{what} {self._hung[m]} earlier; {desc} was not run")
            self.start()
            if _pending(self._r):
                # A frame nobody asked for (student code wrote into the channel) or the worker
                # died between requests: this request gets a fresh worker.
                self._stop(graceful=False)
                self.start()
            timeout = self.limits.call_timeout if timeout is None else float(timeout)
            self._seq += 1
            seq = self._seq
            try:
                chunks = protocol.encode({**message, "id": seq},
                                         max_bytes=self.limits.message_bytes,
                                         ref_of=self._ref_id)
            except NotPlainData as e:
                raise TypeError(f"cannot send to the sandbox: {e}") from None
            deadline = time.monotonic() + timeout
            phase = None
            try:
                protocol.write_frame(self._w, chunks, deadline)
                while True:
                    reply = protocol.recv(self._r, max_bytes=self.limits.message_bytes,
                                          make_ref=self._make_ref, deadline=deadline,
                                          spin=max(0.0, float(self.limits.spin_seconds)))
                    if not isinstance(reply, dict) or reply.get("id") != seq:
                        raise ProtocolError("the reply did not answer this request (code in "
                                            "the submission wrote into the sandbox's channel?); "
                                            "the worker was restarted")
                    note = reply.get("note")
                    if note in ("importing", "imported"):
                        phase = str(reply.get("module"))[:200] if note == "importing" else None
                        continue
                    break
            except TimeoutError:
                self._stop(graceful=False)
                if phase is not None:
                    self._hung[phase] = f"did not finish within {timeout:g} s"
                    what = f"importing {phase}" if phase else "importing the submission package"
                    raise CallTimeout(f"{what} did not finish within {timeout:g} s (code at "
                                      "module level that runs too long?); the worker was "
                                      "stopped") from None
                raise CallTimeout(f"{desc} did not finish within {timeout:g} s; the worker was "
                                  "stopped") from None
            except (EOFError, OSError):   # EOF, broken pipe
                pid = self._proc.pid
                _wait_exit(pid, self.limits.kill_grace)
                self._stop(graceful=False)
                status = _status_text(self._last_returncode, self.limits)
                tail = self.stderr_text[-2000:] or None
                if phase is not None:
                    self._hung[phase] = f"crashed the worker ({status})"
                    what = f"importing {phase}" if phase else "importing the submission package"
                    raise WorkerCrashed(f"the worker died while {what}: {status}", tail) from None
                raise WorkerCrashed(f"the worker died during {desc}: {status}", tail) from None
            except ProtocolError as e:
                self._stop(graceful=False)
                raise BadOutput(f"{desc}: {e}") from None
            return self._unpack(reply, desc)

    def _unpack(self, reply: Any, desc: str) -> Any:
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self._stop(graceful=False)
            raise BadOutput(f"{desc}: the worker sent a malformed reply")
        if reply["ok"]:
            return reply.get("result")
        raise self._error(reply.get("error"), desc)

    @staticmethod
    def _error(err: Any, desc: str) -> Exception:
        """The exception for a failure's wire form ``{"kind", "message", "traceback", "type"}``."""
        err = err if isinstance(err, dict) else {}
        text = lambda v, cap: v[:cap] if isinstance(v, str) else None
        message = " ".join((text(err.get("message"), 600) or f"{desc} failed").split())
        kind = err.get("kind")
        if kind == "bad_request":
            return SandboxError(f"the sandbox refused a request for {desc}: {message}")
        cls = _ERRORS.get(kind, StudentException)
        return cls(message, text(err.get("traceback"), 20_000), text(err.get("type"), 100))

    # -- targets ---------------------------------------------------------------------------------
    def _target(self, target) -> tuple[dict, str, list[str]]:
        """(wire target, description, canonical modules it needs)."""
        if isinstance(target, str):
            parts = target.split(".")
            modules = [".".join(parts[:i]) for i in range(1, len(parts))]
            if self.layout.package_alias:
                modules.insert(0, "")
            return {"name": target}, target, modules
        if isinstance(target, Method):
            return ({"obj": target.ref, "attr": target.name, "type": target.ref.type},
                    f"{target.ref.type}.{target.name}", [])
        if isinstance(target, Ref):
            return {"obj": target, "type": target.type}, target.type, []
        raise TypeError(f"a call target is a 'module.function' name, ref.method(name) or a Ref, "
                        f"not {type(target).__name__}")

    # -- the API ---------------------------------------------------------------------------------
    def call(self, target, *args, keep=None, return_args: bool = False, watch_args: bool = False,
             select: int | None = None, timeout: float | None = None, **kwargs):
        """Call ``target(*args, **kwargs)`` in the worker and return its (plain data) result.

        keep:        positions of a tuple result to leave in the worker as ``Ref``s (e.g. ``[1]``
                     for a layer cache), or ``True`` / ``[-1]`` for the whole result.
        return_args: also return the arguments as they are after the call:
                     ``(result, ArgsAfter)`` (to observe in-place updates of dicts and arrays).
        watch_args:  also return which argument arrays the call changed in place, compared in
                     the worker (nested in tuples, lists and dicts, held caches too):
                     ``(result, paths)``, e.g. ``("0", "1.2")`` (see ``sandbox/watch.py``).
        select:      return only this position of a tuple result.
        timeout:     wall-clock seconds (default ``limits.call_timeout``).
        """
        wire, desc, modules = self._target(target)
        message = {"op": "call", "target": wire, "args": tuple(args), "kwargs": kwargs}
        message.update(self._options(keep, select))
        if return_args and watch_args:
            raise TypeError("call: return_args and watch_args cannot be combined")
        if return_args:
            message["return_args"] = True
        if watch_args:
            message["watch_args"] = True
        result = self._request(message, timeout=timeout, desc=desc, modules=modules)
        if watch_args:
            if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], list)
                    and all(isinstance(p, str) for p in result[1])):
                raise BadOutput(f"{desc}: malformed reply to watch_args")
            return result[0], tuple(result[1])
        if not return_args:
            return result
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)
                and isinstance(result[1].get("args"), tuple)
                and isinstance(result[1].get("kwargs"), dict)):
            raise BadOutput(f"{desc}: malformed reply to return_args")
        return result[0], ArgsAfter(result[1]["args"], result[1]["kwargs"])

    @staticmethod
    def _options(keep, select) -> dict:
        out = {}
        if keep is True:
            out["keep"] = True
        elif isinstance(keep, int) and not isinstance(keep, bool):
            out["keep"] = [keep]
        elif keep:
            out["keep"] = [int(k) for k in keep]
        if select is not None:
            out["select"] = int(select)
        return out

    def map(self, target, arglists, *, kwargs: dict | None = None, keep=None,
            select: int | None = None, timeout: float | None = None) -> list:
        """``[target(*args, **kwargs) for args in arglists]`` in one round trip (stops at the
        first failure, whose message names the call: "call 3 of 10: ...")."""
        wire, desc, modules = self._target(target)
        message = {"op": "map", "target": wire, "arglists": [tuple(a) for a in arglists],
                   "kwargs": dict(kwargs or {})}
        message.update(self._options(keep, select))
        result = self._request(message, timeout=timeout, desc=desc, modules=modules)
        if not isinstance(result, list):
            raise BadOutput(f"{desc}: malformed reply to map")
        return result

    def perturb(self, target, args: tuple, wrt: int, coords, h: float, *,
                kwargs: dict | None = None, select: int | None = None,
                timeout: float | None = None) -> list:
        """``target(*args, **kwargs)`` with ``args[wrt]`` (a float64 array) replaced by
        ``x + h e_i`` then ``x - h e_i`` for each flat index ``i`` of ``coords``: the results in
        that order, in one round trip, the perturbed arrays built in the worker and the other
        arguments copied afresh for each call (what ``map`` over the same argument lists gives;
        a numeric gradient). Stops at the first failure ("call 3 of 10: ...")."""
        wire, desc, modules = self._target(target)
        x = np.asarray(args[wrt], dtype=np.float64)
        spec = {"x": x, "coords": np.asarray(coords, dtype=np.int64).reshape(-1), "h": float(h)}
        message = {"op": "perturb", "target": wire, "args": tuple(args[:wrt]) + (None,) + tuple(args[wrt + 1:]),
                   "wrt": int(wrt), "perturb": spec, "kwargs": dict(kwargs or {})}
        message.update(self._options(None, select))
        result = self._request(message, timeout=timeout, desc=desc, modules=modules)
        n = 2 * spec["coords"].size
        if isinstance(result, dict) and isinstance(result.get("stacked"), np.ndarray):
            stacked = result["stacked"]
            if stacked.ndim >= 1 and len(stacked) == n:
                return list(stacked)
        elif isinstance(result, dict) and isinstance(result.get("list"), list) and len(result["list"]) == n:
            return result["list"]
        raise BadOutput(f"{desc}: malformed reply to perturb")

    def new(self, target, *args, timeout: float | None = None, **kwargs) -> Ref:
        """Construct ``target(*args, **kwargs)`` in the worker; returns a ``Ref`` to it."""
        wire, desc, modules = self._target(target)
        ref = self._request({"op": "new", "target": wire, "args": tuple(args), "kwargs": kwargs},
                            timeout=timeout, desc=desc, modules=modules)
        if not isinstance(ref, Ref):
            raise BadOutput(f"{desc}: malformed reply to new")
        return ref

    def getattr(self, ref: Ref, path: str, *, keep: bool = False, timeout: float | None = None):
        """The value at a dotted ``path`` of the object (attributes, dict keys, list indices:
        ``"params"``, ``"params.W1"``, ``"bn_params.0"``); a ``Ref`` to it with ``keep=True``."""
        self._check_ref(ref)
        message = {"op": "getattr", "obj": ref, "type": ref.type, "path": str(path), "keep": keep}
        return self._request(message, timeout=timeout, desc=f"{ref.type}.{path}")

    def setattr(self, ref: Ref, path: str, value, *, timeout: float | None = None) -> None:
        """Set the attribute (or dict key, list item) at a dotted ``path`` of the object."""
        self._check_ref(ref)
        message = {"op": "setattr", "obj": ref, "type": ref.type, "path": str(path), "value": value}
        self._request(message, timeout=timeout, desc=f"{ref.type}.{path}")

    def sweep(self, ref: Ref, path: str, values, target, *args, restore=_UNSET,
              select: int | None = None, timeout: float | None = None, perturb=None,
              **kwargs) -> list:
        """For each of ``values``: ``setattr(ref, path, value)``, then ``call(target, *args,
        **kwargs)``; the results as a list, in one round trip (a model's numeric gradient: one
        perturbed parameter array per value, ``select=0`` for the loss). ``restore`` is set at
        ``path`` at the end, also after a failure, whose message names the call ("call 3 of
        10: ..."). ``timeout`` covers the whole sweep. With ``perturb=(x, coords, h)`` and
        ``values=None`` the values are the perturbations of ``x`` that ``perturb`` calls with,
        built in the worker."""
        self._check_ref(ref)
        wire, desc, modules = self._target(target)
        message = {"op": "sweep", "obj": ref, "type": ref.type, "path": str(path),
                   "values": None if values is None else list(values), "target": wire,
                   "args": tuple(args), "kwargs": kwargs}
        if perturb is not None:
            x, coords, h = perturb
            message["perturb"] = {"x": np.asarray(x, dtype=np.float64),
                                  "coords": np.asarray(coords, dtype=np.int64).reshape(-1),
                                  "h": float(h)}
        if restore is not _UNSET:
            message["restore"] = restore
        message.update(self._options(None, select))
        result = self._request(message, timeout=timeout, desc=desc, modules=modules)
        if not isinstance(result, list):
            raise BadOutput(f"{desc}: malformed reply to sweep")
        return result

    def descend(self, target, w, config: dict, A, b, steps: int, *,
                timeout: float | None = None) -> tuple[list, dict, StudentError | None]:
        """Gradient descent on ``0.5 * mean((A w - b)**2)`` with ``target`` as the update rule
        (``next_w, config = target(w, dw, config)``, the returned values fed back), ``steps``
        calls in one round trip. Returns ``(ws, config, error)``: ``w`` after each step that could
        be fed back, the config the next step would get, and the failure that stopped it (or
        None). Fewer than ``steps`` values and no error: the last result could not be fed back
        (not a pair, ``next_w`` not a finite array of ``w``'s shape, ``config`` not a dict); the
        caller goes on with ``call`` to say why. ``timeout`` covers the whole descent."""
        wire, desc, modules = self._target(target)
        message = {"op": "descend", "target": wire, "w": w, "config": dict(config), "A": A, "b": b,
                   "steps": int(steps)}
        result = self._request(message, timeout=timeout, desc=desc, modules=modules)
        if not (isinstance(result, dict) and isinstance(result.get("ws"), list)
                and isinstance(result.get("config"), dict) and len(result["ws"]) <= steps):
            raise BadOutput(f"{desc}: malformed reply to descend")
        error = result.get("error")
        if error is not None:
            error = self._error(error, desc)
            if not isinstance(error, StudentError):
                raise error
        return result["ws"], result["config"], error

    def release(self, *refs: Ref) -> None:
        """Let the worker forget objects (stale handles are ignored)."""
        ids = [r.id for r in refs if isinstance(r, Ref) and r.session == self._session]
        if ids and self._proc is not None:
            self._request({"op": "release", "ids": ids}, timeout=None, desc="release")

    def ping(self, timeout: float | None = None) -> bool:
        """A round trip with no student code (starts the worker if needed)."""
        return self._request({"op": "ping"}, timeout=timeout, desc="ping") == "pong"

    @staticmethod
    def _check_ref(ref) -> None:
        if not isinstance(ref, Ref):
            raise TypeError(f"expected a Ref, got {type(ref).__name__}")

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self._proc is not None else "not running"
        return f"<Worker {self.root} ({state}, {self.restarts} restarts)>"
