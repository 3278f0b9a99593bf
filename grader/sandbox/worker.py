"""The sandbox worker: the only process that runs student code.

Started by ``grader.sandbox.client.Worker`` as a stand-alone script::

    python -s -P -B worker.py <fd_in> <fd_out> <config.json>

It imports nothing from ``grader`` (it loads ``protocol.py`` from its own folder by path). Before
any student code is imported it confines itself, as far as the machine allows, and records what
it managed in ``capabilities`` (sent to the client in its first message):

1. new namespaces: network (no interface but a down loopback), PID (the worker is the init of its
   own PID namespace, so every process it starts dies with it), mount (root only);
2. when privileges will be dropped (root only): a private copy of the submission if uid 65534
   could not read it, the Python installation made reachable for uid 65534 (a tmpfs holding only
   the needed entry is mounted over each private ancestor folder), the grader's own folders
   (and ``hidden_paths``) hidden under empty read-only tmpfs mounts, the shared temp folders
   replaced by private tmpfs mounts;
3. resource limits (address space, CPU seconds, file size, no core dumps), then uid/gid 65534,
   ``no_new_privs``, and a process-count limit;
4. its cwd in the scratch folder, an import blocker first in ``sys.meta_path`` for the grader's
   own packages, ``MPLBACKEND=Agg``, no bytecode written into the submission.

Then it serves requests (see ``Server``). Student output goes to fds 1 and 2, which the client
captures; the protocol uses its own pipes, so prints cannot corrupt it.
"""
from __future__ import annotations

import json
import os
import signal
import stat
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38
MIRROR_MAX_BYTES = 256 * 2**20
MIRROR_MAX_ENTRIES = 20_000


# ---------------------------------------------------------------------------------------------
# Confinement (runs before any student code)
# ---------------------------------------------------------------------------------------------
def _cap(caps: dict, name: str, applied: bool, detail: str) -> None:
    caps[name] = {"applied": bool(applied), "detail": detail}


class _Libc:
    """The few libc calls Python 3.11 does not wrap (unshare, mount, prctl)."""

    def __init__(self):
        import ctypes
        self.ctypes = ctypes
        self.lib = ctypes.CDLL(None, use_errno=True)

    def _check(self, rc: int) -> None:
        if rc != 0:
            err = self.ctypes.get_errno()
            raise OSError(err, os.strerror(err))

    def unshare(self, flags: int) -> None:
        self._check(self.lib.unshare(flags))

    def mount(self, source, target, fstype, flags: int, data=None) -> None:
        enc = lambda s: None if s is None else os.fsencode(s)
        self._check(self.lib.mount(enc(source), enc(target), enc(fstype),
                                   self.ctypes.c_ulong(flags), enc(data)))

    def prctl(self, option: int, value: int) -> None:
        self._check(self.lib.prctl(option, self.ctypes.c_ulong(value), 0, 0, 0))


def _unshare(cfg: dict, libc: _Libc | None, caps: dict) -> tuple[bool, bool]:
    """Enter new namespaces. Returns (own PID namespace, own mount namespace)."""
    net = cfg.get("isolate_network", True)
    pids = cfg.get("isolate_processes", True)
    if libc is None:
        _cap(caps, "network", False, "not isolated: libc is not reachable through ctypes")
        return False, False
    if os.geteuid() == 0:
        done = {}
        for name, flag in (("mount", CLONE_NEWNS), ("pid", CLONE_NEWPID),
                           ("network", CLONE_NEWNET)):
            if (name == "network" and not net) or (name == "pid" and not pids):
                continue
            try:
                libc.unshare(flag)
                done[name] = None
            except OSError as e:
                done[name] = e.strerror
        if "network" in done:
            err = done["network"]
            _cap(caps, "network", err is None,
                 "own network namespace (loopback only)" if err is None
                 else f"not isolated: unshare(CLONE_NEWNET) failed ({err})")
        else:
            _cap(caps, "network", False, "not isolated: switched off in Limits")
        pid_ok, mnt_ok = done.get("pid", "x") is None, done.get("mount", "x") is None
        if mnt_ok:
            try:   # nothing mounted from here on may leak into the grader's namespace
                libc.mount("none", "/", None, MS_REC | MS_PRIVATE)
            except OSError:
                mnt_ok = False
        return pid_ok, mnt_ok
    # Not root: a user namespace may still give a network and a PID namespace.
    if not (net or pids):
        _cap(caps, "network", False, "not isolated: switched off in Limits")
        return False, False
    err = "not tried"
    attempts = [(CLONE_NEWUSER | (CLONE_NEWNET if net else 0), False)]
    if pids:
        attempts.insert(0, (attempts[0][0] | CLONE_NEWPID, True))
    for flags, pid_ok in attempts:
        try:
            libc.unshare(flags)
        except OSError as e:
            err = e.strerror
            continue
        _cap(caps, "network", net, "own network namespace (loopback only, in a user namespace)"
             if net else "not isolated: switched off in Limits")
        return pid_ok, False
    _cap(caps, "network", False, f"not isolated: unshare(CLONE_NEWUSER) failed ({err})" if net
         else "not isolated: switched off in Limits")
    return False, False


def _become_namespace_init(libc: _Libc, fds: tuple[int, int], cpu_limit: float | None) -> None:
    """Fork: the child (pid 1 of the new PID namespace) goes on; this process waits for it and
    ends the same way, so the client sees the child's exit status or signal.

    The kernel ignores, for a namespace init, every signal it has no handler for (only SIGKILL
    from outside gets through): the child handles SIGTERM and SIGXCPU itself, and this process
    reports a child that used up its CPU time as killed by SIGXCPU.
    """
    child = os.fork()
    if child == 0:
        try:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except OSError:
            pass
        signal.signal(signal.SIGTERM, lambda *_: os._exit(128 + signal.SIGTERM))

        def cpu_exceeded(*_):
            os.write(2, b"sandbox: the worker used up its CPU time limit\n")
            os._exit(128 + signal.SIGXCPU)

        signal.signal(signal.SIGXCPU, cpu_exceeded)
        return
    for fd in fds:
        os.close(fd)

    def forward(*_):
        try:
            os.kill(child, signal.SIGTERM)
        except OSError:
            pass

    signal.signal(signal.SIGTERM, forward)
    try:
        _, status = os.waitpid(child, 0)
    except ChildProcessError:
        os._exit(70)
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    over_cpu = cpu_limit is not None and usage.ru_utime + usage.ru_stime >= cpu_limit - 0.05
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70
    # The child's SIGXCPU handler exits with 128 + SIGXCPU; the rusage sum can read a little
    # under the limit on a busy machine, so that exit status alone says "over the CPU limit".
    if code == 128 + signal.SIGXCPU or (over_cpu and sig == signal.SIGKILL):
        sig = signal.SIGXCPU
    if sig is not None:
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass   # SIGKILL, SIGSTOP
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(code)


def _mode_allows(st: os.stat_result, uid: int, gid: int, bits: int) -> bool:
    if st.st_uid == uid:
        mode = st.st_mode >> 6
    elif st.st_gid == gid:
        mode = st.st_mode >> 3
    else:
        mode = st.st_mode
    return (mode & bits) == bits


def _reachable(path: str, uid: int, gid: int, bits: int = 5) -> bool:
    """Can uid/gid walk to ``path`` (x on every ancestor) and use it with ``bits`` (4=r 2=w 1=x)?"""
    try:
        parts = os.path.realpath(path).split("/")[1:]
        cur = "/"
        for part in parts:
            if not _mode_allows(os.stat(cur), uid, gid, 1):
                return False
            cur = os.path.join(cur, part)
        return _mode_allows(os.stat(cur), uid, gid, bits)
    except OSError:
        return False


def _tree_open(root: str, uid: int, gid: int) -> tuple[bool, int, int]:
    """(every folder r-x and every file r for uid/gid, total bytes, entries) of a tree."""
    ok, total, entries = True, 0, 0
    for d, dirs, files in os.walk(root):
        entries += 1 + len(files)
        if entries > MIRROR_MAX_ENTRIES:
            return False, total, entries
        ok = ok and _mode_allows(os.stat(d), uid, gid, 5)
        for f in files:
            st = os.lstat(os.path.join(d, f))
            total += st.st_size
            if stat.S_ISREG(st.st_mode):
                ok = ok and _mode_allows(st, uid, gid, 4)
    return ok, total, entries


def _mirror(src: str, dst: str) -> None:
    """A copy of the submission that every user may read (symlinks copied as links)."""
    import shutil
    shutil.rmtree(dst, ignore_errors=True)   # a restarted worker copies afresh
    shutil.copytree(src, dst, symlinks=True)
    for d, dirs, files in os.walk(dst):
        os.chmod(d, 0o755)
        for f in files:
            p = os.path.join(d, f)
            if not os.path.islink(p):
                os.chmod(p, 0o755 if os.stat(p).st_mode & 0o100 else 0o644)


def _expose(paths: list[str], uid: int, gid: int, libc: _Libc) -> None:
    """Make the folders ``paths`` reachable for uid/gid in this (private) mount namespace.

    Each ancestor that does not let uid/gid through is covered with a tmpfs that holds only the
    entries leading to ``paths``, each bind-mounted from the original (reached through an
    ``O_PATH`` descriptor opened before the cover was mounted).
    """
    needed: dict[str, set] = {}
    for p in paths:
        cur = "/"
        for part in os.path.realpath(p).split("/")[1:]:
            needed.setdefault(cur, set()).add(part)
            cur = os.path.join(cur, part)
    for d in sorted(needed, key=lambda s: 0 if s == "/" else s.count("/")):
        if d == "/" or _mode_allows(os.stat(d), uid, gid, 1):
            continue
        fds = {}
        for part in needed[d]:
            try:
                fds[part] = os.open(os.path.join(d, part), os.O_PATH | os.O_NOFOLLOW)
            except OSError:
                pass
        libc.mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64k")
        for part, fd in fds.items():
            target = os.path.join(d, part)
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.mkdir(target, 0o755)
            else:
                open(target, "w").close()
            libc.mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
            os.close(fd)


def _hide(required: list[str], extra: list[str], needed: list[str], sources: list[str],
          libc: _Libc) -> tuple[bool, str]:
    """Mount an empty read-only tmpfs over the grader's folders (``extra``, a source checkout,
    first; then the packages in ``required``). A folder holding something the worker needs is
    left alone (the Python installation may hold the grader's packages, which is fine; a
    submission inside a grader folder was copied out before). Returns (all required hidden, text).
    """
    kept = []
    for h in extra + required:
        if not os.path.isdir(h):
            continue                       # already under a hidden folder
        if any(_inside(n, h) or (_inside(h, n) and n in sources) for n in needed):
            kept.append(h)
            continue
        try:
            libc.mount("tmpfs", h, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       "mode=755,size=4k")
        except OSError as e:
            kept.append(f"{h} ({e.strerror})")
    visible = [h for h in required if os.path.isdir(h) and os.listdir(h)]
    if not visible:
        return True, "the grader's folders are hidden (empty read-only mounts)"
    return False, f"still visible: {', '.join(visible)}"


def _private_tmp(temp_dirs: list[str], needed: list[str], size: int,
                 libc: _Libc) -> tuple[bool, str]:
    """Cover each shared temp folder with an empty tmpfs of ``size`` bytes (sticky, writable by
    all), into which only the entries holding ``needed`` paths (the worker's own session and
    scratch folders, a submission copied there) are bind-mounted back. What the student writes
    there dies with the worker's mount namespace; other programs' files and sockets are out of
    reach. Returns (every existing temp folder covered, text)."""
    covered, skipped = [], []
    for d in temp_dirs:
        real = os.path.realpath(d)
        if not os.path.isdir(real) or real in covered:
            continue
        if any(_inside(real, os.path.realpath(n)) for n in needed):
            skipped.append(f"{d} (needed as a whole)")
            continue
        keep = {}
        for n in needed:
            n = os.path.realpath(n)
            if _inside(n, real) and n != real:
                keep[n[len(real):].lstrip("/").split("/")[0]] = None
        try:
            fds = {name: os.open(os.path.join(real, name), os.O_PATH | os.O_NOFOLLOW)
                   for name in keep}
            libc.mount("tmpfs", real, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={size}")
            for name, fd in fds.items():
                target = os.path.join(real, name)
                if stat.S_ISDIR(os.fstat(fd).st_mode):
                    os.mkdir(target, 0o700)
                else:
                    open(target, "w").close()
                libc.mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
                os.close(fd)
            covered.append(real)
        except OSError as e:
            skipped.append(f"{d} ({e.strerror})")
    if skipped:
        return False, f"not private: {', '.join(skipped)}"
    return True, f"own empty temp folders ({', '.join(covered)}; {_size(size)} each)"


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _count_tasks(uid: int) -> int:
    """Tasks (threads included) whose real uid is ``uid``: what RLIMIT_NPROC counts."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
        except (OSError, ValueError, KeyError, IndexError):
            pass
    return count


def _rlimit(caps: dict, name: str, which: int, value: int | None, detail: str,
            hard_extra: int = 0) -> None:
    import resource
    if value is None:
        _cap(caps, name, False, "no limit (switched off in Limits)")
        return
    try:
        _, hard = resource.getrlimit(which)
        soft = value if hard == resource.RLIM_INFINITY else min(value, hard)
        new_hard = soft + hard_extra
        if hard != resource.RLIM_INFINITY:
            new_hard = min(new_hard, hard)
        resource.setrlimit(which, (soft, new_hard))
        _cap(caps, name, True, detail)
    except (ValueError, OSError) as e:
        _cap(caps, name, False, f"setrlimit failed: {e}")


def _size(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


def _python_paths() -> list[str]:
    import sysconfig
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    paths += [sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    paths.append(os.path.dirname(os.path.realpath(sys.executable)))
    out = []
    for p in paths:
        p = os.path.realpath(p)
        if os.path.isdir(p) and p not in out:
            out.append(p)
    return out


def _prepare_files(cfg: dict, layout: dict, uid: int, gid: int, libc: _Libc | None,
                   mount_ns: bool, caps: dict) -> str | None:
    """Get the files ready for uid/gid (as root, before dropping): a readable copy of the
    submission if needed (``layout`` is remapped to it), the scratch folder owned by uid, the
    needed folders exposed, the grader's folders hidden. Returns why the drop is impossible, or
    None."""
    root, scratch = cfg["root"], cfg["scratch"]
    hide = [h for h in cfg.get("hide", []) + cfg.get("hide_extra", []) if os.path.isdir(h)]
    sources = [d for d in [layout.get("package_dir")] + list(layout.get("sys_path", [])) if d]
    try:
        ok, total, entries = _tree_open(root, uid, gid)
        if not ok or any(_inside(s, h) for s in sources + [root] for h in hide):
            if total > MIRROR_MAX_BYTES or entries > MIRROR_MAX_ENTRIES:
                return f"the submission is too big to copy ({total} bytes, {entries} entries)"
            mirror = os.path.join(cfg["session"], "src")
            _mirror(root, mirror)
            remap = lambda p: (mirror + p[len(root):]) if p and _inside(p, root) else p
            layout["package_dir"] = remap(layout.get("package_dir"))
            layout["sys_path"] = [remap(p) for p in layout.get("sys_path", [])]
            sources, root = [remap(s) for s in sources], mirror
        os.chown(scratch, uid, gid)
        os.chmod(scratch, 0o700)
        needed = _python_paths() + sources + [root, scratch]
        if mount_ns and cfg.get("private_tmp", True):
            size = cfg["limits"].get("file_size") or 64 * 2**20
            _cap(caps, "private_tmp", *_private_tmp(cfg.get("temp_dirs", []),
                                                   needed + [cfg["session"]], size, libc))
        if mount_ns:
            _expose(needed, uid, gid, libc)
            if cfg.get("hide_grader", True):
                _cap(caps, "hidden_grader_files",
                     *_hide(cfg.get("hide", []), cfg.get("hide_extra", []), needed, sources, libc))
    except OSError as e:
        return f"preparing the files failed ({e})"
    blocked = [n for n in needed if not _reachable(n, uid, gid, 5)]
    return f"uid {uid} could not read {blocked[0]}" if blocked else None


def _confine(cfg: dict, libc: _Libc | None, caps: dict, mount_ns: bool, pid_ns: bool) -> dict:
    """Files, limits, privileges, in the process that will serve requests, before any student
    code. Returns the layout to use (remapped to a copy of the submission if one was made)."""
    import resource
    layout = dict(cfg["layout"])
    lim = cfg["limits"]
    drop = cfg.get("drop_to") if os.geteuid() == 0 else None
    uid, gid = drop or (None, None)
    nobody_tasks = _count_tasks(uid) if drop else 0    # counted on the host's /proc
    if pid_ns and mount_ns:
        try:   # a /proc that shows only this PID namespace
            libc.mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except OSError:
            pass

    why_not = _prepare_files(cfg, layout, uid, gid, libc, mount_ns, caps) if drop else None
    if "hidden_grader_files" not in caps:
        _cap(caps, "hidden_grader_files", False, f"not hidden: {why_not}" if why_not else
             "not hidden: needs root, a private mount namespace and the privilege drop")
    if "private_tmp" not in caps:
        _cap(caps, "private_tmp", False, "not private: switched off in Limits"
             if not cfg.get("private_tmp", True) else f"not private: {why_not}" if why_not
             else "not private: needs root, a private mount namespace and the privilege drop")

    _rlimit(caps, "address_space", resource.RLIMIT_AS, lim.get("address_space"),
            _size(lim["address_space"]) if lim.get("address_space") else "")
    _rlimit(caps, "cpu_seconds", resource.RLIMIT_CPU, lim.get("cpu_seconds"),
            f"{lim.get('cpu_seconds')} s of CPU for the worker's life", hard_extra=2)
    _rlimit(caps, "file_size", resource.RLIMIT_FSIZE, lim.get("file_size"),
            _size(lim["file_size"]) if lim.get("file_size") else "")
    _rlimit(caps, "core_dumps", resource.RLIMIT_CORE, 0, "off")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # an oversized write raises OSError instead

    if drop and why_not is None:
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        except OSError as e:
            why_not = f"setuid failed ({e})"
    if drop:
        _cap(caps, "unprivileged_user", why_not is None,
             f"student code runs as uid/gid {uid}/{gid}" if why_not is None
             else f"student code runs as root: {why_not}")
    else:
        _cap(caps, "unprivileged_user", os.geteuid() != 0,
             f"student code runs as uid {os.getuid()} (the grader's user)" if os.geteuid() != 0
             else "student code runs as root (privilege drop switched off)")
    if libc is not None:
        try:
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1)
            _cap(caps, "no_new_privileges", True, "setuid programs cannot raise privileges")
        except OSError as e:
            _cap(caps, "no_new_privileges", False, f"prctl failed ({e.strerror})")

    nproc = lim.get("nproc")
    if nproc is None:
        _cap(caps, "nproc", False, "no limit (switched off in Limits)")
    else:   # RLIMIT_NPROC counts every task of the uid: allow nproc more than it has now
        base = nobody_tasks + 1 if (drop and why_not is None) else _count_tasks(os.getuid())
        _rlimit(caps, "nproc", resource.RLIMIT_NPROC, base + nproc,
                f"{nproc} more processes/threads")
        if os.geteuid() == 0 and caps["nproc"]["applied"]:
            _cap(caps, "nproc", False,
                 "not enforced: the kernel does not apply RLIMIT_NPROC to root")

    if pid_ns:
        _cap(caps, "process_cleanup", True, "own PID namespace: every process the worker starts "
             "dies with it")
    else:
        try:   # orphans of the student's processes stay in the worker's tree (found on close)
            libc.prctl(PR_SET_CHILD_SUBREAPER, 1)
        except (OSError, AttributeError):
            pass
        _cap(caps, "process_cleanup", False, "process group, process tree and environment marker "
             "only: a process that leaves all three survives the worker")
    return layout


# ---------------------------------------------------------------------------------------------
# Serving requests
# ---------------------------------------------------------------------------------------------
class _Fail(Exception):
    """A failed request, reported to the client as {kind, type, message, traceback}."""

    def __init__(self, kind: str, message: str, type_: str = "", traceback: str | None = None):
        super().__init__(message)
        self.wire = {"kind": kind, "type": type_, "message": _one_line(message),
                     "traceback": traceback}


class _Held:
    """A value the client asked to keep in the worker (sent as a Ref)."""

    __slots__ = ("id", "type")

    def __init__(self, ref_id: int, type_: str):
        self.id, self.type = ref_id, type_


class _Blocker:
    """First in ``sys.meta_path``: the grader's own packages cannot be imported."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ImportError("the grader's own packages are not importable from a submission",
                              name=fullname)
        return None


class _BarePackages:
    """In ``sys.meta_path`` after ``_Blocker`` (course profiles): a package folder of the
    submission whose top-level name is in ``layout["bare_packages"]`` is imported WITHOUT running
    its ``__init__.py``. Course ``__init__`` files only re-export their modules; running them
    would let one broken module (Python 2 syntax, a TabError) break every import of the package.
    """

    def __init__(self, names, roots):
        self.names, self.roots = frozenset(names), list(roots)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] not in self.names:
            return None
        import importlib.machinery
        for base in (self.roots if path is None else list(path)):
            folder = os.path.join(base, fullname.rpartition(".")[2])
            if os.path.isdir(folder) and not os.path.isfile(folder + ".py"):
                spec = importlib.machinery.ModuleSpec(fullname, self, is_package=True)
                spec.submodule_search_locations = [folder]
                return spec
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        pass


def _one_minus(value):
    """1 - value for a probability (keep <-> drop); anything else is passed on unchanged."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 1 - value
    return value


def _translate(d: dict, op: dict, to_course: bool) -> dict:
    """A copy of dict ``d`` with the course's key names (or back) and 1 - value where listed."""
    keys = op.get("keys", {})
    if not to_course:
        keys = {course: canon for canon, course in keys.items()}
    out = {keys.get(k, k): v for k, v in d.items()}
    for k in op.get("one_minus", []):
        if k in out:
            out[k] = _one_minus(out[k])
    return out


def _adapt(fn, ops: list):
    """``fn`` called through a course profile's argument translations (see grader/layout.py)."""

    def adapted(*args, **kwargs):
        args, kwargs, mirrors = list(args), dict(kwargs), []
        for op in ops:
            if op.get("op") == "kwarg" and op.get("name") in kwargs:
                value = kwargs.pop(op["name"])
                if "values" in op:
                    table = [pair for pair in op["values"]
                             if (pair[0] is None) == (value is None) and pair[0] == value]
                    if not table:
                        raise ValueError(f"{op['name']}={value!r} has no equivalent in this "
                                         f"course's API ({op['to']}): the check does not apply")
                    value = table[0][1]
                if op.get("transform") == "one_minus":
                    value = _one_minus(value)
                kwargs[op.get("to", op["name"])] = value
            elif op.get("op") == "dict":
                arg, kw = op.get("arg"), op.get("kwarg")
                holder, key = ((args, arg) if arg is not None and arg < len(args)
                               else (kwargs, kw) if kw in kwargs else (None, None))
                given = holder[key] if holder is not None else None
                if type(given) is dict:
                    holder[key] = _translate(given, op, True)
                    mirrors.append((op, given, holder[key]))
                else:   # no dict passed (config=None): only the result is translated back
                    mirrors.append((op, None, None))
        result = fn(*args, **kwargs)
        for op, given, passed in mirrors:
            if given is not None:
                given.clear()
                given.update(_translate(passed, op, False))
            index = op.get("result")
            if index is not None and isinstance(result, tuple) and index < len(result):
                item = result[index]
                back = given if (given is not None and item is passed) else (
                    _translate(item, op, False) if type(item) is dict else item)
                result = result[:index] + (back,) + result[index + 1:]
        return result

    adapted.__name__ = getattr(fn, "__name__", "adapted")
    return adapted


def _one_line(text: str, cap: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= cap else text[: cap - 3] + "..."


def _safe_repr(x) -> str:
    try:
        return _one_line(repr(x), 60)
    except BaseException:
        return "..."


def _safe_str(e: BaseException) -> str:
    try:
        return _one_line(str(e), 300)
    except BaseException:
        return "<the exception could not be printed>"


def _type_name(obj) -> str:
    """The real class name of ``obj`` (a metaclass cannot make it lie or raise)."""
    try:
        name = type.__dict__["__name__"].__get__(type(obj), type)
        return name if type(name) is str else "object"
    except BaseException:
        return "object"


class Server:
    """Answers requests one at a time: call, map, new, getattr, setattr, release, ping, shutdown.

    ``refs`` holds the objects the client keeps handles on (``Ref``); ``failed`` the import errors
    already seen (a module that failed to import fails the same way without re-running it).
    """

    def __init__(self, proto, cfg: dict, layout: dict, fd_in: int, fd_out: int):
        self.proto = proto
        self.layout = layout
        self.fd_in, self.fd_out = fd_in, fd_out
        self.max_bytes = int(cfg["limits"]["message_bytes"])
        self.memory = cfg["limits"].get("address_space")
        self.roots = [os.path.realpath(d) for d in
                      [layout.get("package_dir")] + list(layout.get("sys_path", [])) if d]
        self.refs: dict[int, object] = {}
        self.ref_of_obj: dict[int, int] = {}
        self.next_ref = 1
        self.failed: dict[str, dict] = {}
        self.pid = os.getpid()
        self.request_id: int | None = None   # echoed in every frame answering the request

    def forked(self) -> None:
        """Run in the child of every ``os.fork()`` (``os.register_at_fork``): a copy of the
        worker made by student code must never read or answer requests."""
        for fd in (self.fd_in, self.fd_out):
            try:
                os.close(fd)
            except OSError:
                pass

    def _exit_if_forked(self) -> None:
        if os.getpid() != self.pid:   # student code forked and its child came back here
            os._exit(0)

    # -- the loop ------------------------------------------------------------------------------
    def serve(self) -> None:
        proto = self.proto
        while True:
            self._exit_if_forked()
            try:
                payload, header_len = proto.read_frame(self.fd_in, max_bytes=self.max_bytes)
            except EOFError:
                return
            op = None
            self.request_id = None
            try:
                msg = proto.decode(payload, header_len, max_bytes=self.max_bytes,
                                   make_ref=self._deref, who="sent")
                rid = msg.get("id") if isinstance(msg, dict) else None
                self.request_id = rid if type(rid) is int else None
                op = msg.get("op") if isinstance(msg, dict) else None
                handler = getattr(self, "op_" + str(op), None)
                if handler is None:
                    raise _Fail("bad_request", f"unknown request {op!r}")
                chunks = handler(msg)
            except _Fail as f:
                chunks = self._frame({"ok": False, "error": f.wire})
            except proto.ProtocolError as e:
                chunks = self._frame({"ok": False, "error": _Fail("bad_request", str(e)).wire})
            except BaseException as e:   # a malformed request, or student code run by the encoder
                chunks = self._frame({"ok": False, "error": _Fail(
                    "bad_request", f"the request failed in the worker ({type(e).__name__}: "
                    f"{_safe_str(e)})").wire})
            self._flush_output()
            self._exit_if_forked()
            proto.write_frame(self.fd_out, chunks)
            if op == "shutdown":
                return

    def _frame(self, message: dict) -> list:
        return self.proto.Encoder(self.max_bytes).frame({**message, "id": self.request_id})

    def _reply(self, value, desc: str, label: str = "the result") -> list:
        """The frame of a successful reply; a ``bad_output`` failure if ``value`` cannot cross."""
        enc = self.proto.Encoder(self.max_bytes, ref_of=self._ref_of)
        try:
            tree = enc.value(value, label)
            return enc.frame({"ok": True, "result": self.proto.Encoded(tree),
                              "id": self.request_id})
        except self.proto.NotPlainData as e:
            raise _Fail("bad_output", f"{desc}: {e}") from None
        except BaseException as e:   # student code run while inspecting the value
            raise _Fail("bad_output", f"{desc}: the result cannot be sent back "
                        f"({_type_name(e)}: {_safe_str(e)})") from None

    def _note(self, event: str, module: str) -> None:
        """Tell the client an import starts or ends (a hang or crash in between is blamed on
        the module, so later requests that need it fail at once)."""
        self._flush_output()
        self._exit_if_forked()
        self.proto.write_frame(self.fd_out, self._frame({"note": event, "module": module}))

    @staticmethod
    def _flush_output() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass

    # -- handles -------------------------------------------------------------------------------
    def _deref(self, ref_id: int, type_: str):
        if ref_id not in self.refs:
            raise _Fail("stale_ref", f"the {type_ or 'object'} handle {ref_id} does not exist in "
                        "this worker")
        return self.refs[ref_id]

    def _hold(self, obj) -> _Held:
        ref_id = self.next_ref
        self.next_ref += 1
        self.refs[ref_id] = obj
        self.ref_of_obj[id(obj)] = ref_id
        return _Held(ref_id, type(obj).__name__)

    def _ref_of(self, obj):
        if type(obj) is _Held:
            return obj.id, obj.type
        ref_id = self.ref_of_obj.get(id(obj))
        if ref_id is not None and self.refs.get(ref_id) is obj:
            return ref_id, type(obj).__name__
        return None

    # -- failures ------------------------------------------------------------------------------
    def _rel(self, filename: str | None) -> str | None:
        if not filename:
            return None
        path = os.path.realpath(filename)
        for root in self.roots:
            if path.startswith(root + os.sep):
                return os.path.relpath(path, root)
        return None

    def _trim(self, e: BaseException) -> tuple[str, str]:
        """(traceback limited to the student's files, 'file.py:12 in func' of the last frame)."""
        import traceback
        frames = [(self._rel(f.filename), f) for f in traceback.extract_tb(e.__traceback__)]
        mine = [(rel, f) for rel, f in frames if rel]
        where = f"{mine[-1][0]}:{mine[-1][1].lineno} in {mine[-1][1].name}" if mine else ""
        omitted = max(0, len(mine) - 12)
        lines = ["Traceback (most recent call last):\n"]
        if omitted:
            lines.append(f"  [... {omitted} earlier frames omitted ...]\n")
        for rel, f in mine[-12:]:
            lines.append(f'  File "{rel}", line {f.lineno}, in {f.name}\n')
            try:
                if f.line:
                    lines.append(f"    {f.line.strip()}\n")
            except BaseException:
                pass
        lines.append(f"{_type_name(e)}: {_safe_str(e)}")
        return "".join(lines), where

    def _student_failure(self, e: BaseException, desc: str) -> _Fail:
        """The report of a failed call. Describing a hostile exception runs its code (a
        ``code`` property, a metaclass): whatever that does, the failure stays the student's."""
        try:
            return self._describe_student_failure(e, desc)
        except BaseException:
            if issubclass(type(e), SystemExit):
                return _Fail("exception", f"called sys.exit inside {desc} (with an exit code "
                             "that could not be read)", _type_name(e))
            return _Fail("exception", f"{desc} raised {_type_name(e)}, which could not be "
                         "described (reading its attributes failed)", _type_name(e))

    def _import_failure(self, e: BaseException, canon: str) -> _Fail:
        try:
            return self._describe_import_failure(e, canon)
        except BaseException:
            what = f"importing {canon}" if canon else "importing the submission package"
            return _Fail("import_error", f"{what} raised {_type_name(e)}, which could not be "
                         "described (reading its attributes failed)", _type_name(e))

    def _describe_student_failure(self, e: BaseException, desc: str) -> _Fail:
        tb, where = self._trim(e)
        loc = f" ({where})" if where else ""
        name, text = _type_name(e), _safe_str(e)
        if isinstance(e, SystemExit):
            return _Fail("exception", f"called sys.exit({_safe_repr(e.code)}) inside {desc}{loc}",
                         name, tb)
        if isinstance(e, NotImplementedError):
            return _Fail("not_implemented", f"{desc} is not implemented"
                         + (f": {text}" if text else "") + loc, name, tb)
        if isinstance(e, MemoryError) and self.memory:
            return _Fail("exception", f"{desc} raised MemoryError{loc}; the sandbox allows "
                         f"{_size(self.memory)} of memory", name, tb)
        return _Fail("exception", f"{desc} raised {name}" + (f": {text}" if text else "") + loc,
                     name, tb)

    def _describe_import_failure(self, e: BaseException, canon: str) -> _Fail:
        name = _type_name(e)
        what = f"importing {canon}" if canon else "importing the submission package (__init__.py)"
        if isinstance(e, SyntaxError):
            rel = self._rel(e.filename) or os.path.basename(e.filename or "?")
            line = (e.text or "").strip()
            tb = f'  File "{rel}", line {e.lineno}\n' + (f"    {line}\n" if line else "") + \
                 f"{name}: {e.msg}"
            return _Fail("import_error", f"{what} failed: {name} in {rel}:{e.lineno}: {e.msg}",
                         name, tb)
        tb, where = self._trim(e)
        loc = f" ({where})" if where else ""
        if isinstance(e, SystemExit):
            return _Fail("import_error", f"{what} called sys.exit({_safe_repr(e.code)}){loc}",
                         name, tb)
        return _Fail("import_error", f"{what} raised {name}: {_safe_str(e)}{loc}", name, tb)

    # -- resolving targets ---------------------------------------------------------------------
    def _import_name(self, canon: str) -> str:
        """Same rule as ``grader.layout.Layout.import_name``."""
        default = self.layout.get("module_prefix", "") + canon
        return self.layout.get("module_map", {}).get(canon, default)

    def _locate(self, import_name: str) -> bool:
        """Is there a file or folder for this module in the submission? (no code runs)"""
        alias = self.layout.get("package_alias")
        parts = import_name.split(".")
        if alias and parts[0] == alias:
            bases, parts = [self.layout.get("package_dir")], parts[1:]
        else:
            bases = self.layout.get("sys_path", [])
        for base in bases:
            p = os.path.join(base, *parts)
            if os.path.isdir(p) or os.path.isfile(p + ".py"):
                return True
        return False

    def _ensure_package(self) -> None:
        import importlib.machinery
        import importlib.util
        alias = self.layout.get("package_alias")
        if not alias or alias in sys.modules:
            return
        if alias in self.failed:
            raise _Fail(**self._unwire(self.failed[alias]))
        pkg_dir = self.layout["package_dir"]
        init = os.path.join(pkg_dir, "__init__.py")
        if os.path.isfile(init):
            spec = importlib.util.spec_from_file_location(alias, init,
                                                          submodule_search_locations=[pkg_dir])
        else:
            spec = importlib.machinery.ModuleSpec(alias, None, is_package=True)
            spec.submodule_search_locations = [pkg_dir]
        module = importlib.util.module_from_spec(spec)
        sys.modules[alias] = module
        if spec.loader is None:
            return
        self._note("importing", "")
        try:
            spec.loader.exec_module(module)
        except BaseException as e:
            sys.modules.pop(alias, None)
            f = self._import_failure(e, "")
            self.failed[alias] = f.wire
            raise f from None
        finally:
            self._note("imported", "")

    @staticmethod
    def _unwire(wire: dict) -> dict:
        return {"kind": wire["kind"], "message": wire["message"], "type_": wire["type"],
                "traceback": wire["traceback"]}

    def _import(self, canon: str, import_name: str):
        import importlib
        if import_name in self.failed:
            raise _Fail(**self._unwire(self.failed[import_name]))
        self._note("importing", canon)
        try:
            return importlib.import_module(import_name)
        except BaseException as e:
            f = self._import_failure(e, canon)
            self.failed[import_name] = f.wire
            raise f from None
        finally:
            self._note("imported", canon)

    def _resolve(self, name: str):
        """The object named by a canonical dotted name: the longest module prefix that exists in
        the submission, then attributes."""
        parts = name.split(".") if isinstance(name, str) else []
        if len(parts) < 2 or not all(p.isidentifier() for p in parts):
            raise _Fail("bad_request", f"{name!r} is not a 'module.attribute' name")
        self._ensure_package()
        for i in range(len(parts) - 1, 0, -1):
            canon = ".".join(parts[:i])
            import_name = self._import_name(canon)
            module = sys.modules.get(import_name)
            if module is None:
                if import_name not in self.failed and not self._locate(import_name):
                    continue
                module = self._import(canon, import_name)
            obj, owner = module, canon
            for j, attr in enumerate(parts[i:]):
                try:
                    obj = getattr(obj, attr)
                except AttributeError:
                    if j == 0 and hasattr(module, "__path__"):
                        raise _Fail("import_error", f"module {canon}.{attr} not found in the "
                                    "submission") from None
                    raise _Fail("import_error", f"{owner} has no attribute {attr!r}") from None
                except BaseException as e:
                    raise self._student_failure(e, name) from None
                owner = f"{owner}.{attr}"
            ops = self.layout.get("adapters", {}).get(name)
            return _adapt(obj, ops) if ops else obj
        raise _Fail("import_error", f"module {'.'.join(parts[:-1])} not found in the submission")

    def _target(self, target: dict):
        """(callable or class, description) for a target: {"name"} or {"obj", "attr", "type"}."""
        if not isinstance(target, dict):
            raise _Fail("bad_request", "malformed target")
        if "name" in target:
            return self._resolve(target["name"]), target["name"]
        desc = target.get("type") or "object"
        if target.get("attr"):
            desc += f".{target['attr']}"
        obj = target.get("obj")
        if target.get("attr"):
            obj = self._guarded(desc, self._walk, obj, target["attr"])
        return obj, desc

    @staticmethod
    def _walk(obj, path: str):
        """Follow a dotted path: dict keys, list/tuple indices, else attributes."""
        for part in path.split("."):
            if isinstance(obj, dict) and part in obj:
                obj = obj[part]
            elif isinstance(obj, (list, tuple)) and part.isdigit():
                obj = obj[int(part)]
            else:
                obj = getattr(obj, part)
        return obj

    def _guarded(self, desc: str, fn, *args, **kwargs):
        """Run student code; any exception (SystemExit, KeyboardInterrupt too) becomes a _Fail."""
        try:
            return fn(*args, **kwargs)
        except _Fail:
            raise
        except BaseException as e:
            raise self._student_failure(e, desc) from None

    def _shape(self, result, msg: dict, desc: str):
        """Apply ``keep`` (positions held in the worker) and ``select`` (one position)."""
        keep, select = msg.get("keep"), msg.get("select")
        if keep is True or keep == [-1]:
            result = self._hold(result)
        elif keep:
            items = self._positions(result, max(keep), desc)
            for i in keep:
                items[i] = self._hold(items[i])
            result = tuple(items) if isinstance(result, tuple) else items
        if select is not None:
            result = self._positions(result, select, desc)[select]
        return result

    @staticmethod
    def _positions(result, index: int, desc: str) -> list:
        if type(result) is _Held or not isinstance(result, (tuple, list)):
            raise _Fail("bad_output", f"{desc} returned {type(result).__name__}, expected a "
                        f"tuple of at least {index + 1} values")
        # The data, not the methods: a tuple subclass may make __iter__/__getitem__ lie.
        items = list(tuple.__iter__(result) if isinstance(result, tuple)
                     else list.__iter__(result))
        if not 0 <= index < len(items):
            raise _Fail("bad_output", f"{desc} returned {len(items)} values, expected at least "
                        f"{index + 1}")
        return items

    # -- operations ----------------------------------------------------------------------------
    def op_ping(self, msg):
        return self._reply("pong", "ping")

    def op_shutdown(self, msg):
        return self._reply(None, "shutdown")

    def op_call(self, msg):
        fn, desc = self._target(msg.get("target"))
        args, kwargs = msg.get("args", ()), msg.get("kwargs", {})
        result = self._shape(self._guarded(desc, fn, *args, **kwargs), msg, desc)
        if msg.get("return_args"):
            return self._reply((result, {"args": args, "kwargs": kwargs}), desc)
        return self._reply(result, desc)

    def op_map(self, msg):
        fn, desc = self._target(msg.get("target"))
        kwargs, arglists = msg.get("kwargs", {}), msg.get("arglists")
        if not (isinstance(arglists, list)
                and all(isinstance(a, (list, tuple)) for a in arglists)):
            raise _Fail("bad_request", "map needs a list of argument tuples")
        results = []
        for i, args in enumerate(arglists):
            try:
                results.append(self._shape(self._guarded(desc, fn, *args, **kwargs), msg, desc))
            except _Fail as f:
                f.wire["message"] = f"call {i + 1} of {len(arglists)}: {f.wire['message']}"
                raise
        return self._reply(results, desc)

    def op_new(self, msg):
        cls, desc = self._target(msg.get("target"))
        obj = self._guarded(desc, cls, *msg.get("args", ()), **msg.get("kwargs", {}))
        return self._reply(self._hold(obj), desc)

    def op_getattr(self, msg):
        desc = f"{msg.get('type') or 'object'}.{msg.get('path')}"
        value = self._guarded(desc, self._walk, msg.get("obj"), str(msg.get("path")))
        return self._reply(self._hold(value) if msg.get("keep") else value, desc)

    def op_setattr(self, msg):
        path = str(msg.get("path"))
        desc = f"{msg.get('type') or 'object'}.{path}"
        head, _, last = path.rpartition(".")
        value = msg.get("value")

        def assign():
            parent = self._walk(msg.get("obj"), head) if head else msg.get("obj")
            if isinstance(parent, dict):
                parent[last] = value
            elif isinstance(parent, list) and last.isdigit():
                parent[int(last)] = value
            else:
                setattr(parent, last, value)

        self._guarded(desc, assign)
        return self._reply(None, desc)

    def op_release(self, msg):
        for ref_id in msg.get("ids", []):
            obj = self.refs.pop(ref_id, None)
            if obj is not None and self.ref_of_obj.get(id(obj)) == ref_id:
                del self.ref_of_obj[id(obj)]
        return self._reply(None, "release")


# ---------------------------------------------------------------------------------------------
def main(argv: list[str]) -> None:
    fd_in, fd_out, cfg_path = int(argv[1]), int(argv[2]), argv[3]
    with open(cfg_path) as f:
        cfg = json.load(f)
    while HERE in sys.path:   # -P keeps it out on 3.11+; be sure on older versions
        sys.path.remove(HERE)
    caps: dict = {}
    try:
        libc = _Libc()
    except OSError:
        libc = None
    import resource
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    pid_ns, mount_ns = _unshare(cfg, libc, caps)

    # The protocol (and numpy) are loaded now, before the grader's folders may be hidden.
    sys.path.insert(0, HERE)
    try:
        import protocol as proto
    finally:
        sys.path.remove(HERE)
        sys.modules.pop("protocol", None)
    import numpy  # noqa: F401  (loaded once, as every submission needs it)
    import numpy.random  # noqa: F401  (a trusted call target: checks seed the worker's RNG)

    if pid_ns:
        _become_namespace_init(libc, (fd_in, fd_out), cfg["limits"].get("cpu_seconds"))
    layout = _confine(cfg, libc, caps, mount_ns, pid_ns)

    os.chdir(cfg["scratch"])
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["HOME"] = cfg["scratch"]
    sys.dont_write_bytecode = True
    sys.argv = ["submission"]
    for fd in (fd_in, fd_out):
        os.set_inheritable(fd, False)
    blocked = list(cfg.get("blocked_imports", []))
    for name in list(sys.modules):
        if name.partition(".")[0] in blocked:
            del sys.modules[name]
    sys.meta_path.insert(0, _Blocker(blocked))
    if layout.get("bare_packages"):
        sys.meta_path.insert(1, _BarePackages(layout["bare_packages"], layout.get("sys_path", [])))
    for d in reversed(layout.get("sys_path", [])):
        sys.path.insert(0, d)
    _cap(caps, "blocked_imports", True, ", ".join(blocked))

    server = Server(proto, cfg, layout, fd_in, fd_out)
    os.register_at_fork(after_in_child=server.forked)
    proto.write_frame(fd_out, server._frame({"hello": True, "capabilities": caps}))
    server.serve()
    Server._flush_output()
    os._exit(0)


if __name__ == "__main__":
    import faulthandler
    faulthandler.enable()
    main(sys.argv)
