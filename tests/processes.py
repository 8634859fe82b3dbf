"""The app's processes (gunicorn, ``flask`` commands) for the scripts that run it for real.

Each long-running process starts in a process group of its own (gunicorn's master and its
workers, ``flask mail worker``) so that stopping it stops them all; ``Processes`` is a context
manager that stops every one on the way out, after a failure or a Ctrl-C too. Their output goes
to files in a temporary folder, shown when something fails and removed at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The virtualenv's own commands, beside the interpreter running the script (not resolved:
# the interpreter may be a link to the system's, the commands are not).
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_environment(settings: dict[str, str]) -> dict[str, str]:
    """The environment of every process: this one's, the ``COLLOQUIUM_*`` settings given, and
    this checkout first on the import path (whatever checkout the virtualenv was installed
    from, the code run is the one beside the script)."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, **settings, "PYTHONPATH": path}


def terminate_on_sigterm() -> None:
    """Make SIGTERM (a CI timeout, ``kill``) unwind the script like Ctrl-C, so that every
    ``finally`` runs and no server outlives it."""

    def _stop(signum, _frame):
        """Unwind as a Ctrl-C would."""
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, _stop)


class Processes:
    """The processes one script started; all stopped on exit."""

    def __init__(self, environment: dict[str, str]):
        self.environment = environment
        self.folder = Path(tempfile.mkdtemp(prefix="colloquium-run-"))
        self.running: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop_all()
        shutil.rmtree(self.folder, ignore_errors=True)  # what failed was printed before

    def flask(self, *arguments: str, stdin: str | None = None) -> str:
        """Run ``flask --app colloquium …`` to its end; its output, or a failure with it."""
        command = [str(BIN / "flask"), "--app", "colloquium", *arguments]
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=self.environment,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"`flask {' '.join(arguments)}` failed ({done.returncode}):\n"
                f"{done.stdout}{done.stderr}"
            )
        return done.stdout

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        """Start a long-running process in its own process group, its output in a file."""
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.running[name] = process
        return process

    def gunicorn(
        self, name: str, port: int, workers: int, extra: tuple[str, ...] = ()
    ) -> subprocess.Popen:
        """The app under gunicorn, with the project's settings, as README's production runs it
        (``extra``: more command-line options)."""
        command = [
            str(BIN / "gunicorn"),
            "--config",
            "python:colloquium.gunicorn_conf",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            # Gunicorn's control socket is one path per user by default: two instances on one
            # machine (or another project's gunicorn) would take it from each other.
            "--control-socket",
            str(self.folder / f"{name}.ctl"),
            *extra,
            "colloquium:create_app()",
        ]
        process = self.start(name, command)
        self.wait_until_ready(name, port)
        return process

    def mail_worker(self, interval: float) -> subprocess.Popen:
        """``flask --app colloquium mail worker``, the separate process that delivers mail."""
        command = [
            str(BIN / "flask"),
            "--app",
            "colloquium",
            "mail",
            "worker",
            "--interval",
            str(interval),
        ]
        return self.start("mail-worker", command)

    def wait_until_ready(self, name: str, port: int, seconds: float = 60) -> None:
        """Until ``GET /healthz`` answers 200 on ``port`` (the app loaded, the database up)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.running[name].poll() is not None:
                raise RuntimeError(f"{name} exited at start:\n{self.output(name)}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=2) as connection,
            ):
                connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
                if connection.recv(64).split(b" ", 2)[1:2] == [b"200"]:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer on port {port}:\n{self.output(name)}")

    def output(self, name: str, lines: int = 40) -> str:
        """The last lines a process wrote."""
        path = self.folder / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        """Fail when a process stopped on its own (a crash shows here, not as a timeout)."""
        for name, process in self.running.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} stopped ({process.returncode}):\n{self.output(name)}")

    def stop_all(self) -> None:
        """SIGTERM to each process group (gunicorn stops its workers, the mail worker finishes
        the message in hand), then SIGKILL to what is left after 30 seconds."""
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # The group too: a worker may outlive its master.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.running.clear()
