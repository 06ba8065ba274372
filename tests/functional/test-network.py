#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""User networking end to end with the Debian Linux guest: the NIC's
driver module (e1000 or ne2k-pci) is loaded from the initramfs, busybox
udhcpc gets 10.0.2.15 from libslirp's DHCP server, wget fetches a file
from an HTTP server this test runs on the host's loopback (the guest
reaches it as 10.0.2.2), the host fetches a file from busybox httpd in
the guest through hostfwd, and tshark finds the DHCP exchange in the
pcap written by -object filter-dump.

usage: test-network.py [--qemu] --model e1000|ne2k_pci [--arch A]
                       EMULATOR BUILDDIR
"""
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

SRC = guestlib.SRC
MODULES = {"e1000": "e1000", "ne2k_pci": "ne2k-pci"}
HOST_TEXT = "kestrel-host-file-%d" % os.getpid()
GUEST_TEXT = "kestrel-guest-page-%d" % os.getpid()

# udhcpc calls this with $1 = deconfig|bound|renew and the lease in env.
UDHCPC_SCRIPT = r"""#!/bin/sh
case "$1" in
deconfig) ip addr flush dev $interface; ip link set $interface up ;;
bound|renew)
    ip addr flush dev $interface
    ip addr add $ip/${mask:-24} dev $interface
    for r in $router; do ip route add default via $r dev $interface; done
    echo "lease $ip router $router dns $dns" ;;
esac
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_http_server(root):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    ap = guestlib.arg_parser(timeout=600)
    ap.add_argument("--model", default="e1000", choices=sorted(MODULES))
    ap.add_argument("--arch", default="i386")
    ap.add_argument("--append", default="", help="more kernel arguments")
    a = guestlib.parse_args(ap)
    if not a:
        return guestlib.SKIP

    p = subprocess.run([os.path.join(SRC, "scripts/make-linux-guest"),
                        "--builddir", a.builddir, "--modules",
                        MODULES[a.model], a.arch],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("SKIP: cannot build the Linux guest: " + p.stderr.strip())
        return guestlib.SKIP
    kernel, initrd = p.stdout.split()

    tmp = tempfile.mkdtemp(prefix="kestrel-net-")
    with open(os.path.join(tmp, "hello.txt"), "w") as f:
        f.write(HOST_TEXT + "\n")
    srv = start_http_server(tmp)
    http_port = srv.server_address[1]
    fwd_port = free_port()
    pcap = os.path.join(tmp, "capture.pcap")

    g = guestlib.Guest(a.emulator, [
        "-m", "256", "-display", "none", "-nodefaults",
        "-serial", "stdio", "-no-reboot", "-kernel", kernel,
        "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet " + a.append,
        "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:80" % fwd_port,
        "-device", "%s,netdev=n0" % a.model,
        "-object", "filter-dump,id=f0,netdev=n0,file=%s" % pcap],
        qemu=a.qemu)

    def test():
        try:
            g.expect("KESTREL-BOOT-OK", a.timeout)
            g.shell_ready()
            for line in UDHCPC_SCRIPT.strip().split("\n"):
                g.run("echo '%s' >> /bin/dhcp.sh" % line.replace("'", ""))
            g.run("chmod +x /bin/dhcp.sh")
            # The driver probes in the background after insmod.
            out, st = g.run("for i in $(seq 60); do [ -e /sys/class/net/"
                            "eth0 ] && break; sleep 1; done; ip link show "
                            "eth0", 90)
            if st != 0:
                g.fail("no eth0 from the %s driver:\n%s" % (a.model, out))
            out, st = g.run("udhcpc -i eth0 -s /bin/dhcp.sh -q -n -t 5",
                            120)
            if st != 0 or "lease 10.0.2.15 " not in out:
                g.fail("udhcpc did not get 10.0.2.15:\n" + out)
            out, st = g.run("wget -q -O - http://10.0.2.2:%d/hello.txt"
                            % http_port, 120)
            if st != 0 or HOST_TEXT not in out:
                g.fail("wget from the host's server printed %r" % out)
            g.run("mkdir -p /www && echo %s > /www/index.html" % GUEST_TEXT)
            out, st = g.run("httpd -p 80 -h /www")
            if st != 0:
                g.fail("httpd did not start: " + out)
            url = "http://127.0.0.1:%d/index.html" % fwd_port
            try:
                body = urllib.request.urlopen(url, timeout=60).read()
            except OSError as e:
                g.fail("fetching %s through hostfwd: %s" % (url, e))
            if GUEST_TEXT.encode() not in body:
                g.fail("hostfwd fetch returned %r" % body[:200])
            g.send("poweroff -f\n")
            st = g.wait_exit(120)
            if st != 0:
                g.fail("poweroff -f: exit status %s, wanted 0" % st)
            check_pcap(g)
        finally:
            g.kill()
            srv.shutdown()
            shutil.rmtree(tmp, ignore_errors=True)

    def check_pcap(g):
        tshark = shutil.which("tshark")
        if not tshark:
            g.fail("tshark not found (run scripts/install-deps)")
        p = subprocess.run([tshark, "-n", "-r", pcap, "-Y", "dhcp"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            g.fail("tshark cannot read the capture: " + p.stderr)
        for msg in ("DHCP Discover", "DHCP Offer", "DHCP Request",
                    "DHCP ACK"):
            if msg not in p.stdout:
                g.fail("no %s in the capture:\n%s" % (msg, p.stdout))
        print(p.stdout.strip())
    guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
