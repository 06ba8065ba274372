#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot SeaBIOS from each kind of boot medium: a 1.44M floppy (-fda), a
raw hard disk (-hda) and an El Torito no-emulation CD (-cdrom -boot d,
an ISO made here with xorriso). The boot sector (bootsect/boot.asm)
reads its second sector through the BIOS, reports on the debug console
and leaves through isa-debug-exit.

usage: test-boot-media.py [--qemu] fda|hda|cdrom EMULATOR
Exit 77 (skip) with a message when nasm, xorriso or QEMU is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVE_NUMBER = {"fda": "00", "hda": "80"}


def build_media(kind, tmp):
    """The image for kind, or None (and a message) when a tool is missing."""
    nasm = shutil.which("nasm")
    if not nasm:
        print("SKIP: nasm not found")
        return None
    boot = os.path.join(tmp, "boot.bin")
    subprocess.run([nasm, "-f", "bin", "-o", boot,
                    os.path.join(HERE, "bootsect", "boot.asm")], check=True)
    if kind == "cdrom":
        xorriso = shutil.which("xorriso")
        if not xorriso:
            print("SKIP: xorriso not found (scripts/install-deps)")
            return None
        root = os.path.join(tmp, "iso")
        os.mkdir(root)
        shutil.copy(boot, os.path.join(root, "boot.bin"))
        img = os.path.join(tmp, "cd.iso")
        subprocess.run([xorriso, "-as", "mkisofs", "-quiet", "-o", img,
                        "-V", "KESTREL_TEST", "-b", "boot.bin",
                        "-no-emul-boot", "-boot-load-size", "4", root],
                       check=True, capture_output=True)
        return img
    img = os.path.join(tmp, kind + ".img")
    shutil.copy(boot, img)
    with open(img, "r+b") as f:
        f.truncate(1440 * 1024 if kind == "fda" else 4 << 20)
    return img


def main():
    ap = guestlib.arg_parser(timeout=60)
    ap.add_argument("kind", choices=["fda", "hda", "cdrom"])
    a = guestlib.parse_args(ap, builddir=False)
    if not a:
        return guestlib.SKIP

    with tempfile.TemporaryDirectory() as tmp:
        img = build_media(a.kind, tmp)
        if not img:
            return guestlib.SKIP
        args = ["-display", "none", "-nodefaults", "-m", "32",
                "-" + a.kind, img,
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-debugcon", "stdio"]
        if a.kind == "cdrom":
            args += ["-boot", "d"]
        g = guestlib.Guest(a.emulator, args, qemu=a.qemu)
        try:
            status = g.wait_exit(a.timeout)
            m = None
            for _ in range(100):        # the reader may lag behind the exit
                m = re.search(r"BOOT OK drive=([0-9a-f]{2}) sector2([= ]\w+)",
                              g.text())
                if m:
                    break
                time.sleep(0.05)
            if not m:
                g.fail("no BOOT OK line on the debug console")
            drive = m.group(1)
            want = DRIVE_NUMBER.get(a.kind)
            if want and drive != want:
                g.fail("booted from drive %s, expected %s" % (drive, want))
            if a.kind == "cdrom" and int(drive, 16) < 0xe0:
                g.fail("CD boot drive number %s, expected 0xe0 or above" %
                       drive)
            if m.group(2) != "=S2":
                g.fail("the BIOS could not read the second sector")
            if status != 1:
                g.fail("exit status %d, expected 1 (isa-debug-exit 0)" %
                       status)
        except guestlib.TestFailure as e:
            print("FAIL:", e)
            return 1
        finally:
            g.kill()
    print("PASS: %s boot" % a.kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
