"""Confinement of the sandbox worker: everything it does to itself before any student code runs.

Loaded by ``worker.py`` (see there how; it imports only the standard library). In order:

1. ``enter_namespaces``: network (no interface but a down loopback), PID (the worker becomes
   the init of its own PID namespace, ``become_namespace_init``), mount (root only);
2. ``confine`` -- when privileges will be dropped (root only): a private copy of the submission
   if uid 65534 could not read it, the Python installation made reachable for uid 65534 (a tmpfs
   holding only the needed entry is mounted over each private ancestor folder), the grader's own
   folders (and ``hidden_paths``) hidden under empty read-only tmpfs mounts, the shared temp
   folders replaced by private tmpfs mounts, the data folders (``Limits.data_dirs``) made
   reachable and bind-mounted read-only (``read_only_data``); then resource limits (address space, CPU seconds,
   file size, no core dumps), uid/gid 65534, ``no_new_privs`` and a process-count limit.

Each step records what it managed in ``caps`` (``Worker.capabilities`` in the grader).
"""
from __future__ import annotations

import os
import signal
import stat
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38
MIRROR_MAX_BYTES = 256 * 2**20
MIRROR_MAX_ENTRIES = 20_000


# ---------------------------------------------------------------------------------------------
# Confinement (runs before any student code)
# ---------------------------------------------------------------------------------------------
def cap(caps: dict, name: str, applied: bool, detail: str) -> None:
    caps[name] = {"applied": bool(applied), "detail": detail}


class Libc:
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


def enter_namespaces(cfg: dict, libc: Libc | None, caps: dict) -> tuple[bool, bool]:
    """Enter new namespaces. Returns (own PID namespace, own mount namespace)."""
    net = cfg.get("isolate_network", True)
    pids = cfg.get("isolate_processes", True)
    if libc is None:
        cap(caps, "network", False, "not isolated: libc is not reachable through ctypes")
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
            cap(caps, "network", err is None,
                 "own network namespace (loopback only)" if err is None
                 else f"not isolated: unshare(CLONE_NEWNET) failed ({err})")
        else:
            cap(caps, "network", False, "not isolated: switched off in Limits")
        pid_ok, mnt_ok = done.get("pid", "x") is None, done.get("mount", "x") is None
        if mnt_ok:
            try:   # nothing mounted from here on may leak into the grader's namespace
                libc.mount("none", "/", None, MS_REC | MS_PRIVATE)
            except OSError:
                mnt_ok = False
        return pid_ok, mnt_ok
    # Not root: a user namespace may still give a network and a PID namespace.
    if not (net or pids):
        cap(caps, "network", False, "not isolated: switched off in Limits")
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
        cap(caps, "network", net, "own network namespace (loopback only, in a user namespace)"
             if net else "not isolated: switched off in Limits")
        return pid_ok, False
    cap(caps, "network", False, f"not isolated: unshare(CLONE_NEWUSER) failed ({err})" if net
         else "not isolated: switched off in Limits")
    return False, False


def become_namespace_init(libc: Libc, fds: tuple[int, int], cpu_limit: float | None) -> None:
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


def _expose(paths: list[str], uid: int, gid: int, libc: Libc) -> None:
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
          libc: Libc) -> tuple[bool, str]:
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
                 libc: Libc) -> tuple[bool, str]:
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
        cap(caps, name, False, "no limit (switched off in Limits)")
        return
    try:
        _, hard = resource.getrlimit(which)
        soft = value if hard == resource.RLIM_INFINITY else min(value, hard)
        new_hard = soft + hard_extra
        if hard != resource.RLIM_INFINITY:
            new_hard = min(new_hard, hard)
        resource.setrlimit(which, (soft, new_hard))
        cap(caps, name, True, detail)
    except (ValueError, OSError) as e:
        cap(caps, name, False, f"setrlimit failed: {e}")


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


def package_folders(names, folders: list[str] | None = None,
                    extra: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(folders the packages ``names`` resolve to, source checkouts holding them), added to
    ``folders`` and ``extra``: a checkout's .git, build/ ... hold solutions too."""
    import importlib.util
    folders, extra = list(folders or []), list(extra or [])
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for loc in (spec.submodule_search_locations or []) if spec else []:
            loc = os.path.realpath(loc)
            if os.path.isdir(loc) and loc not in folders:
                folders.append(loc)
                parent = os.path.dirname(loc)
                if os.path.exists(os.path.join(parent, "pyproject.toml")) and parent not in extra:
                    extra.append(parent)
    return folders, extra


def _grader_folders(cfg: dict) -> tuple[list[str], list[str]]:
    """(folders to hide, extra folders of a source checkout): the ones the client found, plus
    where the blocked packages resolve from THIS interpreter's path (an editable install may
    point at another checkout of the grader than the one the client runs from)."""
    required, extra = list(cfg.get("hide", [])), list(cfg.get("hide_extra", []))
    if not cfg.get("hide_grader", True):
        return required, extra
    return package_folders(cfg.get("blocked_imports", []), required, extra)


def _prepare_files(cfg: dict, layout: dict, uid: int, gid: int, libc: Libc | None,
                   mount_ns: bool, caps: dict) -> str | None:
    """Get the files ready for uid/gid (as root, before dropping): a readable copy of the
    submission if needed (``layout`` is remapped to it), the scratch folder owned by uid, the
    needed folders exposed, the grader's folders hidden. Returns why the drop is impossible, or
    None."""
    root, scratch = cfg["root"], cfg["scratch"]
    required, extra = _grader_folders(cfg)
    hide = [h for h in required + extra if os.path.isdir(h)]
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
        needed = _python_paths() + sources + [root, scratch] + _data_dirs(cfg)
        if mount_ns and cfg.get("private_tmp", True):
            size = cfg["limits"].get("file_size") or 64 * 2**20
            cap(caps, "private_tmp", *_private_tmp(cfg.get("temp_dirs", []),
                                                   needed + [cfg["session"]], size, libc))
        if mount_ns:
            _expose(needed, uid, gid, libc)
            if cfg.get("hide_grader", True):
                cap(caps, "hidden_grader_files",
                     *_hide(required, extra, needed, sources, libc))
    except OSError as e:
        return f"preparing the files failed ({e})"
    blocked = [n for n in needed if not _reachable(n, uid, gid, 5)]
    return f"uid {uid} could not read {blocked[0]}" if blocked else None


def _data_dirs(cfg: dict) -> list[str]:
    return [os.path.realpath(d) for d in cfg.get("data_dirs", []) if os.path.isdir(d)]


def read_only_data(dirs: list[str], libc: Libc | None, mount_ns: bool) -> tuple[bool, str]:
    """Bind-mount each data folder onto itself read-only (in the worker's own mount namespace),
    so that no process of the worker, root included, can change the dataset files the grader
    also reads. Without a mount namespace only the files' mode (0444) protects them."""
    if not mount_ns or libc is None:
        return False, ("read-only by file mode only (no private mount namespace: "
                       "needs root)")
    try:
        for d in dirs:
            libc.mount(d, d, None, MS_BIND | MS_REC)
            libc.mount(None, d, None,
                       MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError as e:
        return False, f"read-only by file mode only (the read-only mount failed: {e.strerror})"
    return True, f"{len(dirs)} data folder(s) mounted read-only"


def confine(cfg: dict, libc: Libc | None, caps: dict, mount_ns: bool, pid_ns: bool) -> dict:
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
    data_dirs = _data_dirs(cfg)
    if data_dirs:
        cap(caps, "read_only_data", *read_only_data(data_dirs, libc, mount_ns))
    if "hidden_grader_files" not in caps:
        cap(caps, "hidden_grader_files", False, f"not hidden: {why_not}" if why_not else
             "not hidden: needs root, a private mount namespace and the privilege drop")
    if "private_tmp" not in caps:
        cap(caps, "private_tmp", False, "not private: switched off in Limits"
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
        cap(caps, "unprivileged_user", why_not is None,
             f"student code runs as uid/gid {uid}/{gid}" if why_not is None
             else f"student code runs as root: {why_not}")
    else:
        cap(caps, "unprivileged_user", os.geteuid() != 0,
             f"student code runs as uid {os.getuid()} (the grader's user)" if os.geteuid() != 0
             else "student code runs as root (privilege drop switched off)")
    if libc is not None:
        try:
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1)
            cap(caps, "no_new_privileges", True, "setuid programs cannot raise privileges")
        except OSError as e:
            cap(caps, "no_new_privileges", False, f"prctl failed ({e.strerror})")

    nproc = lim.get("nproc")
    if nproc is None:
        cap(caps, "nproc", False, "no limit (switched off in Limits)")
    else:   # RLIMIT_NPROC counts every task of the uid: allow nproc more than it has now, and
        # as much again for each other worker of a pool counted on the same uid
        base = nobody_tasks + 1 if (drop and why_not is None) else _count_tasks(os.getuid())
        sharers = max(1, int(lim.get("nproc_sharers", 1)))
        _rlimit(caps, "nproc", resource.RLIMIT_NPROC, base + nproc * sharers,
                f"{nproc} more processes/threads" + (f" (x{sharers}: shared by a pool of "
                                                     f"{sharers} workers)" if sharers > 1 else ""))
        if os.geteuid() == 0 and caps["nproc"]["applied"]:
            cap(caps, "nproc", False,
                 "not enforced: the kernel does not apply RLIMIT_NPROC to root")

    if pid_ns:
        cap(caps, "process_cleanup", True, "own PID namespace: every process the worker starts "
             "dies with it")
    else:
        try:   # orphans of the student's processes stay in the worker's tree (found on close)
            libc.prctl(PR_SET_CHILD_SUBREAPER, 1)
        except (OSError, AttributeError):
            pass
        cap(caps, "process_cleanup", False, "process group, process tree and environment marker "
             "only: a process that leaves all three survives the worker")
    return layout
