"""Settings: defaults, then instance/config.py, then COLLOQUIUM_* variables, then tests."""

import stat
import subprocess
import sys
from pathlib import Path

from colloquium import create_app


def test_layers_apply_in_order(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        'PUBLIC_URL = "https://from-instance.example"\nRETENTION_DAYS = 30\n'
        'MAIL_SERVER = "smtp.instance.example"\n'
    )
    monkeypatch.setenv("COLLOQUIUM_RETENTION_DAYS", "60")
    monkeypatch.setenv("COLLOQUIUM_MAIL_SERVER", "smtp.env.example")
    app = create_app({"MAIL_SERVER": "smtp.test.example"}, instance_path=str(instance))
    assert app.config["PUBLIC_URL"] == "https://from-instance.example"  # instance file
    assert app.config["RETENTION_DAYS"] == 60  # the environment wins over the file, parsed
    assert app.config["MAIL_SERVER"] == "smtp.test.example"  # test config wins over all
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"  # default
    assert app.config["SESSION_COOKIE_SECURE"] is True  # public URL is https


def test_sqlite_in_the_instance_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("COLLOQUIUM_SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'inst' / 'colloquium.sqlite'}"
    )


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLOQUIUM_SQLALCHEMY_DATABASE_URI", "sqlite:///" + str(tmp_path / "x.db"))
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("COLLOQUIUM_SECRET_KEY", raising=False)
    instance = tmp_path / "inst"
    first = create_app(instance_path=str(instance)).config["SECRET_KEY"]
    second = create_app(instance_path=str(instance)).config["SECRET_KEY"]
    assert first == second and len(first) >= 64
    mode = stat.S_IMODE((instance / "secret_key").stat().st_mode)
    assert mode == 0o600
    other = create_app(instance_path=str(tmp_path / "other")).config["SECRET_KEY"]
    assert other != first


def test_secret_key_from_the_environment_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLOQUIUM_SECRET_KEY", "from-the-environment")
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "inst" / "secret_key").exists()


def test_workers_starting_together_agree_on_one_key(tmp_path, monkeypatch):
    """Eight processes (as gunicorn starts them) racing to create the key all read one key."""
    monkeypatch.delenv("COLLOQUIUM_SECRET_KEY", raising=False)
    instance = tmp_path / "inst"
    instance.mkdir()
    script = (
        "import pathlib, sys\n"
        "from colloquium.config import _instance_secret_key\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()  # the starting signal\n"
        f"print(_instance_secret_key(pathlib.Path({str(instance / 'secret_key')!r})))\n"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    for worker in workers:  # every process is at the starting line...
        assert worker.stdout.readline() == "ready\n"
    for worker in workers:  # ...then they all start at once
        worker.stdin.write("go\n")
        worker.stdin.flush()
    keys = [worker.communicate(timeout=60)[0].strip() for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    assert len(keys) == 8 and len(set(keys)) == 1 and len(keys[0]) == 64
    assert [p.name for p in Path(instance).iterdir() if p.name.startswith(".")] == []
