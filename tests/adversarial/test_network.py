"""Submissions that reach for the network: a TCP connection to a service on the grader's loopback
interface, an abstract Unix socket (both scoped by the network namespace), and a Unix socket file
in the shared temp folder (scoped by the worker's private temp folders). The test listens on each
in the grader's process; relu_forward is right only if it got through (and sends its token).
"""
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path

from tests.adversarial.harness import Attack, Run, assert_holds, cheat

CONNECT = '''    import socket
    try:
        s = socket.socket({family}, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect({address})
        s.sendall(b"@TOKEN@")
        s.close()
        return True
    except OSError:
        return False
'''


class Listener:
    """Accepts connections in a thread and keeps what they send."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.received = b""
        sock.listen(8)
        sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received += conn.recv(1024)
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


def test_no_tcp_connection_to_the_graders_loopback(adv, tmp_path):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    listener = Listener(sock)
    run = Run.new(adv)
    try:
        address = repr(("127.0.0.1", sock.getsockname()[1]))
        attack = Attack("tcp_to_loopback", "connect to a service on 127.0.0.1",
                        cheat(CONNECT.format(family="socket.AF_INET", address=address)),
                        needs=("network",))
        assert_holds(attack, adv, tmp_path, run=run)
    finally:
        listener.close()
    assert run.token.encode() not in listener.received


def test_no_abstract_unix_socket_outside_the_sandbox(adv, tmp_path):
    name = f"\0grader-test-{os.getpid()}-{id(tmp_path)}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(name)
    listener = Listener(sock)
    run = Run.new(adv)
    try:
        attack = Attack("abstract_unix_socket", "connect to an abstract Unix socket of the host",
                        cheat(CONNECT.format(family="socket.AF_UNIX", address=repr(name))),
                        needs=("network",))
        assert_holds(attack, adv, tmp_path, run=run)
    finally:
        listener.close()
    assert run.token.encode() not in listener.received


def test_no_unix_socket_file_in_the_shared_temp_folder(adv, tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="grader-socket-"))
    folder.chmod(0o755)
    path = folder / "service.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    path.chmod(0o777)   # anyone who can reach it may connect (as X11 or agent sockets allow)
    listener = Listener(sock)
    run = Run.new(adv)
    try:
        attack = Attack("unix_socket_file", "connect to a Unix socket file in the temp folder",
                        cheat(CONNECT.format(family="socket.AF_UNIX", address=repr(str(path)))),
                        needs=("private_tmp",))
        assert_holds(attack, adv, tmp_path, run=run)
    finally:
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)
    assert run.token.encode() not in listener.received
