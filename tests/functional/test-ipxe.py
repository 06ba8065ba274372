#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""iPXE as the e1000's option ROM: SeaBIOS runs it (-boot n) and, before
any OS, it takes a DHCP lease from libslirp. The ROM is Debian's
ipxe-qemu pxe-e1000.rom (fetched by scripts/fetch-guests); the check is
the DHCP exchange (Discover ... ACK) that tshark finds in the
filter-dump capture, since iPXE writes its console text to the VGA.

usage: test-ipxe.py [--qemu] EMULATOR BUILDDIR
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402


def dhcp_messages(tshark, pcap):
    p = subprocess.run([tshark, "-n", "-r", pcap, "-Y", "dhcp"],
                       capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else ""


def main():
    ap = guestlib.arg_parser(timeout=120)
    a = guestlib.parse_args(ap)
    if not a:
        return guestlib.SKIP
    tshark = shutil.which("tshark")
    if not tshark:
        print("SKIP: tshark not found (run scripts/install-deps)")
        return guestlib.SKIP
    dirs = guestlib.fetch(a.builddir, "ipxe-qemu")
    if not dirs:
        return guestlib.SKIP
    rom = os.path.join(dirs[0], "usr/lib/ipxe/qemu/pxe-e1000.rom")
    if not os.path.exists(rom):
        print("SKIP: %s not in ipxe-qemu" % rom)
        return guestlib.SKIP

    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "ipxe.pcap")
        # iPXE saves the FPU state with FXSAVE: a CPU model with FXSR.
        g = guestlib.Guest(a.emulator, [
            "-cpu", "qemu64", "-m", "64", "-display", "none",
            "-nodefaults", "-boot", "n", "-netdev", "user,id=n0",
            "-device", "e1000,netdev=n0,romfile=" + rom,
            "-object", "filter-dump,id=f0,netdev=n0,file=" + pcap],
            qemu=a.qemu)

        def test():
            try:
                deadline = time.monotonic() + a.timeout
                out = ""
                while "DHCP ACK" not in out:
                    if time.monotonic() > deadline:
                        g.fail("no DHCP ACK from iPXE within %gs; the "
                               "capture has:\n%s" % (a.timeout, out))
                    if g.proc.poll() is not None:
                        g.fail("the emulator exited (status %s)" %
                               g.proc.returncode)
                    time.sleep(1)
                    out = dhcp_messages(tshark, pcap)
                for msg in ("DHCP Discover", "DHCP Offer", "DHCP Request"):
                    if msg not in out:
                        g.fail("no %s in the capture:\n%s" % (msg, out))
                print(out.strip())
            finally:
                g.kill()
        guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
