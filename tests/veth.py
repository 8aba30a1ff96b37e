"""A second machine on a wire the test can cut: a network namespace joined to this one by a veth pair.

``VethLink`` creates the namespace, the pair and their addresses (``10.231.N.1`` here, ``10.231.N.2`` there);
``cut()`` takes the far end's interface down, so packets this side sends are dropped without an answer (the peer
vanishes, as when a cable is pulled or a VPN drops: TCP sees nothing, only keepalive notices), and ``mend()`` brings
it back. ``run()`` starts a process inside the namespace. ``TestCA`` makes a certificate authority and a server
certificate for the far address, so clients verify TLS the way they would against a real server.

Needs root and ``ip`` (iproute2); both hold here and in CI. ``network_available()`` says whether they do.
"""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

_NUMBERS = itertools.count(1)


def network_available() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None and Path("/var/run").is_dir()


def _ip(*args: str, namespace: str | None = None) -> None:
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    subprocess.run([*prefix, "ip", *args], check=True, capture_output=True, timeout=30)


class VethLink:
    """A namespace reachable from here over a veth pair."""

    def __init__(self) -> None:
        number = (os.getpid() * 7 + next(_NUMBERS)) % 250 + 1
        self.namespace = f"omni-test-{os.getpid()}-{number}"
        self.near_interface, self.far_interface = f"omn{number}a", f"omn{number}b"
        self.near_address, self.far_address = f"10.231.{number}.1", f"10.231.{number}.2"
        subprocess.run(["ip", "netns", "add", self.namespace], check=True, capture_output=True, timeout=30)
        try:
            _ip("link", "add", self.near_interface, "type", "veth", "peer", "name", self.far_interface)
            _ip("link", "set", self.far_interface, "netns", self.namespace)
            _ip("addr", "add", f"{self.near_address}/30", "dev", self.near_interface)
            _ip("link", "set", self.near_interface, "up")
            _ip("addr", "add", f"{self.far_address}/30", "dev", self.far_interface, namespace=self.namespace)
            _ip("link", "set", self.far_interface, "up", namespace=self.namespace)
            _ip("link", "set", "lo", "up", namespace=self.namespace)
        except BaseException:
            self.close()
            raise

    def cut(self) -> None:
        """The far end goes silent: what this side sends is dropped, nothing answers."""
        _ip("link", "set", self.far_interface, "down", namespace=self.namespace)

    def mend(self) -> None:
        _ip("link", "set", self.far_interface, "up", namespace=self.namespace)

    def throttle(self, mbit: float) -> None:
        """Both directions at most ``mbit`` megabits per second (a token bucket), so a transfer lasts long enough
        to be cut in the middle."""
        shape = ["qdisc", "replace", "dev"]
        bucket = ["root", "tbf", "rate", f"{mbit}mbit", "burst", "32kb", "latency", "400ms"]
        subprocess.run(["tc", *shape, self.near_interface, *bucket], check=True, capture_output=True, timeout=30)
        subprocess.run(
            self.command(["tc", *shape, self.far_interface, *bucket]), check=True, capture_output=True, timeout=30
        )

    def sent_bytes(self) -> int:
        """Bytes this side has put on the wire (the kernel's counter for the near interface)."""
        return int(Path(f"/sys/class/net/{self.near_interface}/statistics/tx_bytes").read_text())

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` as run inside the namespace."""
        return ["ip", "netns", "exec", self.namespace, *argv]

    def close(self) -> None:
        # deleting the namespace deletes the far interface and with it the pair; kill what still runs there
        pids = subprocess.run(["ip", "netns", "pids", self.namespace], capture_output=True, text=True, timeout=30)
        for pid in pids.stdout.split():
            try:
                os.kill(int(pid), 9)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", self.near_interface], capture_output=True, timeout=30)


class TestCA:
    """A certificate authority made for one test, and a server certificate it signs for ``address``."""

    __test__ = False  # not a pytest class

    def __init__(self, folder: Path, address: str) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Omni test CA")])
        ca_cert = (
            self._builder(ca_name, ca_name, ca_key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_cert = (
            self._builder(
                x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]), ca_name, server_key.public_key(), now
            )
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]), False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        self.ca = folder / "ca.pem"
        self.cert = folder / "server.pem"
        self.key = folder / "server-key.pem"
        self.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        self.cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
        self.key.write_bytes(
            server_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self.key.chmod(0o600)

    @staticmethod
    def _builder(subject: Any, issuer: Any, public_key: Any, now: datetime.datetime) -> Any:
        from cryptography import x509

        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
        )
