"""A throwaway PostgreSQL cluster for the tests: initdb into a temp dir, `pg_ctl -w start` on 127.0.0.1.

Found with `shutil.which("pg_ctl")` or under /usr/lib/postgresql/*/bin. The server refuses to run as
root, so as root the cluster is run as the `postgres` OS user (created by `apt-get install postgresql`),
or `nobody` when there is no such user. Each test gets its own database (`fresh_database`).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

MISSING = "PostgreSQL server binaries not found: apt-get install postgresql"

SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "300",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "'64MB'",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
}


def _version(path: Path) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in path.parent.name.split("."))
    except ValueError:
        return (0,)


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL's server is not installed."""
    candidates: list[Path] = []
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """Who runs the server: nobody special unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and there is no 'postgres' nor 'nobody' user to run PostgreSQL as")


@dataclass
class Cluster:
    bindir: Path
    folder: Path = field(init=False)
    port: int = field(init=False, default=0)
    user: pwd.struct_passwd | None = field(init=False, default=None)
    # CREATE DATABASE costs a few hundred ms; a thread keeps `ahead` empty databases ready meanwhile.
    ahead: int = 2
    _ready: list[str] = field(init=False, default_factory=list)
    _wanted: threading.Condition = field(init=False, default_factory=threading.Condition)
    _stopping: bool = field(init=False, default=False)
    _failure: BaseException | None = field(init=False, default=None)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        extra: dict[str, object] = {}
        if self.user is not None:
            extra = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", HOME=str(self.folder))
        return subprocess.run(
            args, check=True, capture_output=True, text=True, env=env, cwd=self.folder, **extra
        )  # type: ignore[call-overload]

    def start(self) -> Cluster:
        self.user = _run_as()
        self.folder = Path(tempfile.mkdtemp(prefix="metbot-pg-"))
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        try:
            self._run(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            )
        except subprocess.CalledProcessError as failed:
            raise RuntimeError(f"initdb failed: {failed.stderr or failed.stdout}") from failed
        with (self.data / "postgresql.conf").open("a") as conf:
            for key, value in SETTINGS.items():
                conf.write(f"{key} = {value}\n")
            conf.write(f"unix_socket_directories = '{self.folder}'\n")
        last: Exception | None = None
        for _attempt in range(5):  # the free port can be taken between probing and binding
            self.port = _free_port()
            try:
                self._run(
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {self.port}",
                    "start",
                )
                return self
            except subprocess.CalledProcessError as failed:
                last = RuntimeError(f"pg_ctl start: {failed.stdout}{failed.stderr}\n{self._log_tail()}")
        self.stop()
        raise RuntimeError(str(last))

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return ""

    def _fill(self) -> None:
        while True:
            with self._wanted:
                while len(self._ready) >= self.ahead and not self._stopping:
                    self._wanted.wait()
                if self._stopping:
                    return
            try:
                name = self.create_database()
            except BaseException as error:  # surfaced by the next take()
                with self._wanted:
                    self._failure = error
                    self._wanted.notify_all()
                return
            with self._wanted:
                self._ready.append(name)
                self._wanted.notify_all()

    def take_database(self) -> str:
        """An empty database: one made ahead of time, or a new one."""
        if self.ahead <= 0:
            return self.create_database()
        with self._wanted:
            if not hasattr(self, "_filler"):
                self._filler = threading.Thread(target=self._fill, name="pg-databases", daemon=True)
                self._filler.start()
            while not self._ready and self._failure is None:
                self._wanted.wait(timeout=1)
            if not self._ready:
                raise RuntimeError(f"could not create a test database: {self._failure!r}")
            name = self._ready.pop(0)
            self._wanted.notify_all()
            return name

    def stop(self) -> None:
        with self._wanted:
            self._stopping = True
            self._wanted.notify_all()
        filler = getattr(self, "_filler", None)
        if filler is not None:
            filler.join(timeout=30)
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex}"
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as connection:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A new, empty database for one test; its URL; dropped (connections terminated first) after."""
        name = self.take_database()
        try:
            yield self.url(name)
        finally:
            self.drop_database(name)


@contextlib.contextmanager
def running_cluster(bindir: Path) -> Iterator[Cluster]:
    cluster = Cluster(bindir).start()
    try:
        yield cluster
    finally:
        cluster.stop()
