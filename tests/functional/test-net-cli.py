#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bad network options: each one ends Kestrel with exit status 1 and one
error line that names the option and the value (docs/network.md).

usage: test-net-cli.py KESTREL
"""
import socket
import subprocess
import sys

BASE = ["-nodefaults", "-display", "none", "-S"]


def cases(busy_port):
    return [
        (["-netdev", "tap,id=t0"], "-netdev tap,id=t0: type tap is not "
         "supported by Kestrel (only user)"),
        (["-netdev", "user"], "-netdev user: id= is required"),
        (["-netdev", "user,id=n0,hostfwd=tcp::x-:80"],
         "hostfwd=tcp::x-:80: want tcp|udp:"),
        (["-netdev", "user,id=n0,net=10.0.2.0/99"], "net=10.0.2.0/99: want"),
        (["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:80" % busy_port],
         "cannot listen on host port %d" % busy_port),
        (["-device", "e1000,netdev=nope"], "-device e1000,netdev=nope: no "
         "-netdev with id 'nope'"),
        (["-netdev", "user,id=n0", "-device", "e1000,netdev=n0",
          "-device", "ne2k_pci,netdev=n0"], "-device ne2k_pci,netdev=n0: "
         "netdev 'n0' is already used by another NIC"),
        (["-device", "ne2k_isa,mac=12:34"], "-device ne2k_isa,mac=12:34: "
         "mac=12:34: invalid MAC address"),
        (["-nic", "user,model=rtl8139"], "unknown NIC model 'rtl8139'"),
        (["-object", "memory-backend-ram,id=m"], "-object memory-backend-"
         "ram,id=m: object type 'memory-backend-ram' is not supported"),
        (["-object", "filter-dump,id=f,netdev=zz,file=/dev/null"],
         "no -netdev with id 'zz'"),
        (["-netdev", "user,id=n0", "-object",
          "filter-dump,id=f,netdev=n0,file=/nonexistent/x.pcap"],
         "cannot create /nonexistent/x.pcap"),
    ]


def main():
    kestrel = sys.argv[1]
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    failed = 0
    for args, want in cases(busy.getsockname()[1]):
        p = subprocess.run([kestrel] + BASE + args, capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        lines = p.stderr.strip().splitlines()
        ok = (p.returncode == 1 and len(lines) == 1 and
              lines[0].startswith("kestrel: ") and want in lines[0])
        print("%s %s -> %d %r" % ("ok" if ok else "FAIL", " ".join(args),
                                  p.returncode, p.stderr.strip()))
        failed += not ok
    print("PASS" if not failed else "FAIL: %d cases" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
