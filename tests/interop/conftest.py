"""Fixtures for the interop tests: the real gatehouse binary and clean client environments.

- `server`: one `gatehouse serve` on SQLite in a fresh temporary data dir, shared by the session
  (tests stay independent: each one makes its own service principal, tenant or API).
- `pg_server`: a server on a fresh PostgreSQL database `gh_it_<random>`, dropped at the end.
  PostgreSQL unreachable is a FAILURE, never a skip.
- `client_env` (autouse): scrubs the machine's CA, proxy and Azure settings, gives the test a
  fresh AZURE_CONFIG_DIR, and `client_env.trust(server)` points REQUESTS_CA_BUNDLE and
  CURL_CA_BUNDLE at that server's CA (and NODE_EXTRA_CA_CERTS for node).
- `sp`: a fresh service principal in the default tenant of `server`, with the CA trusted.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import ghutil
from ghutil import Server

PG_ADMIN_URL = os.environ.get("GATEHOUSE_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")


def _start(tmp_root: Path, database_url: str | None = None) -> Server:
    data_dir = Path(tempfile.mkdtemp(prefix="gh-data-", dir=tmp_root))
    try:
        return Server(data_dir=data_dir, database_url=database_url).start()
    except RuntimeError as e:
        message = str(e)
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = _start(tmp_path_factory.mktemp("server"))
    yield srv
    srv.stop()


class ClientEnv:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
        self._mp = monkeypatch
        self.tmp_path = tmp_path
        for name in ghutil.SCRUBBED_ENV:
            monkeypatch.delenv(name, raising=False)
        self.azure_config_dir = tmp_path / "azure-config"
        self.azure_config_dir.mkdir()
        monkeypatch.setenv("AZURE_CONFIG_DIR", str(self.azure_config_dir))
        monkeypatch.setenv("AZURE_CORE_COLLECT_TELEMETRY", "false")
        monkeypatch.setenv("AZURE_CORE_INSTANCE_DISCOVERY", "false")
        monkeypatch.setenv("AZURE_CORE_NO_COLOR", "true")
        monkeypatch.setenv("AZURE_CORE_SURVEY_MESSAGE", "false")
        monkeypatch.setenv("AZURE_CORE_ONLY_SHOW_ERRORS", "false")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")

    def trust(self, srv: Server) -> None:
        """Trust exactly this server's CA, nothing inherited from the machine."""
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
            self._mp.setenv(name, str(srv.ca))

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a child process (az, node)."""
        env = dict(os.environ)
        env.update(extra)
        return env


@pytest.fixture(autouse=True)
def client_env(monkeypatch, tmp_path):
    return ClientEnv(monkeypatch, tmp_path)


@pytest.fixture
def sp(server, client_env):
    client_env.trust(server)
    return server.create_sp()


@pytest.fixture
def tenant_id(server):
    return server.tenant_id


# -- PostgreSQL -------------------------------------------------------------------------------

def _psql(sql: str, url: str = PG_ADMIN_URL) -> subprocess.CompletedProcess:
    psql = shutil.which("psql")
    if not psql:
        pytest.fail("psql (PostgreSQL client) is not installed: the PostgreSQL interop tests need it "
                    "to create their database (apt-get install postgresql-client)", pytrace=False)
    return subprocess.run([psql, url, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", sql],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def pg_database():
    """A fresh, empty PostgreSQL database; dropped at teardown."""
    name = f"gh_it_{secrets.token_hex(6)}"
    res = _psql(f'CREATE DATABASE "{name}"')
    if res.returncode != 0:
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_URL} is not usable (CREATE DATABASE failed): "
            f"{res.stderr.strip() or res.stdout.strip()}\n"
            "The PostgreSQL interop tests need a PostgreSQL server on 127.0.0.1:5432 with user "
            "postgres and database test (trust auth). They are never skipped.", pytrace=False)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    res = _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert res.returncode == 0, f"could not drop test database {name}: {res.stderr}"


@pytest.fixture
def pg_server(pg_database, tmp_path_factory, client_env):
    srv = _start(tmp_path_factory.mktemp("pg-server"), database_url=pg_database)
    client_env.trust(srv)
    yield srv
    srv.stop()


# -- the Azure CLI ----------------------------------------------------------------------------

class AzureCli:
    """Runs the Azure CLI of this venv (`python -m azure.cli`) in the test's clean environment."""

    def __init__(self, env: ClientEnv):
        self._env = env

    def run(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "azure.cli", *args]
        res = subprocess.run(cmd, capture_output=True, text=True, env=self._env.env(),
                             timeout=timeout, stdin=subprocess.DEVNULL)
        if check and res.returncode != 0:
            raise AssertionError(
                f"`az {' '.join(args)}` exited {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}")
        return res

    def register_cloud(self, srv: Server) -> None:
        self.run("cloud", "register", "-n", "Local",
                 "--endpoint-active-directory", srv.base,
                 "--endpoint-resource-manager", srv.base + "/",
                 "--endpoint-active-directory-resource-id", "https://management.core.windows.net/",
                 "--endpoint-microsoft-graph-resource-id", srv.base + "/graph/",
                 "--skip-endpoint-discovery")
        self.run("cloud", "set", "-n", "Local")


@pytest.fixture
def az(client_env):
    return AzureCli(client_env)


def pytest_report_header(config):
    try:
        return f"gatehouse binary: {ghutil.gatehouse_bin()}"
    except RuntimeError as e:
        return str(e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show the tail of each involved server's own output."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for name in ("server", "pg_server"):
            srv = item.funcargs.get(name) if hasattr(item, "funcargs") else None
            if isinstance(srv, Server):
                report.sections.append((f"gatehouse output ({name}, last 60 lines)", srv.log(60)))
