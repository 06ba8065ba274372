#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SYSLINUX and ISOLINUX boot and run their configuration, with the output
mirrored to the serial console (SERIAL 0 115200).

disk: a raw hard disk built here: syslinux's mbr.bin and one active FAT16
partition made with mkfs.fat, SYSLINUX installed with `syslinux --install`
(the mtools installer). Its syslinux.cfg runs cat.c32 on a text file
by default; the test then types `meminfo` at the boot: prompt on the
serial console, and meminfo.c32 lists the BIOS E820 map. The SAY line
shows on the VGA screen only (SYSLINUX reads SERIAL after printing it):
the test reads it there through the monitor.
iso: an El Torito no-emulation CD built with xorriso around ISOLINUX,
booted with -cdrom -boot d; isolinux.cfg does the same.

The tools and files come from Debian's syslinux, syslinux-common,
isolinux and dosfstools packages (scripts/fetch-guests); mtools and
xorriso from the host (scripts/install-deps).

linux: the disk's syslinux.cfg boots Debian's i386 kernel and a busybox
initramfs (scripts/make-linux-guest) with SYSLINUX's Linux loader, to a
shell on the serial console.

usage: test-syslinux.py [--qemu] disk|iso|linux EMULATOR BUILDDIR
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

PART_START = 2048                       # sectors: the partition at 1 MiB
PART_SECTORS = 32 << 11                 # 32 MiB, FAT16

CONFIG = """SERIAL 0 115200
SAY KESTREL-%(what)s-SAY: the configuration runs
DEFAULT hello
PROMPT 1
TIMEOUT 10
LABEL hello
    COM32 cat.c32
    APPEND hello.txt
LABEL meminfo
    COM32 meminfo.c32
"""
HELLO = "KESTREL-%s-CAT: hello.txt printed by cat.c32\n"
MODULES = ["cat.c32", "meminfo.c32", "libcom32.c32", "libutil.c32"]


LINUX_CONFIG = """SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
    LINUX vmlinuz
    INITRD initrd.gz
    APPEND console=ttyS0 quiet panic=-1
"""


def write_config(tmp, what):
    """syslinux.cfg (or isolinux.cfg) and hello.txt in tmp."""
    with open(os.path.join(tmp, what.lower() + ".cfg"), "w") as f:
        f.write(CONFIG % {"what": what})
    with open(os.path.join(tmp, "hello.txt"), "w") as f:
        f.write(HELLO % what)
    return [os.path.join(tmp, what.lower() + ".cfg"),
            os.path.join(tmp, "hello.txt")]


def tools(builddir):
    """(pkgdirs dict, env) or None after printing why."""
    for t in ["mcopy", "xorriso"]:
        if not shutil.which(t):
            print("SKIP: %s not found (scripts/install-deps)" % t)
            return None
    names = ["syslinux", "syslinux-common", "isolinux", "dosfstools"]
    dirs = guestlib.fetch(builddir, *names)
    if not dirs:
        return None
    return dict(zip(names, dirs))


def modules(pkg):
    return os.path.join(pkg["syslinux-common"],
                        "usr/lib/syslinux/modules/bios")


def linux_files(builddir, tmp):
    """syslinux.cfg that boots Debian's i386 kernel and a busybox
    initramfs (scripts/make-linux-guest) with SYSLINUX's own Linux loader;
    the files to copy, or None after printing why."""
    p = subprocess.run([os.path.join(guestlib.SRC, "scripts",
                                     "make-linux-guest"),
                        "--builddir", builddir, "i386"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("SKIP: cannot build the Linux guest: " + p.stderr.strip())
        return None
    kernel, initrd = p.stdout.split()
    shutil.copy(kernel, os.path.join(tmp, "vmlinuz"))
    shutil.copy(initrd, os.path.join(tmp, "initrd.gz"))
    with open(os.path.join(tmp, "syslinux.cfg"), "w") as f:
        f.write(LINUX_CONFIG)
    return [os.path.join(tmp, f) for f in
            ["syslinux.cfg", "vmlinuz", "initrd.gz"]]


def build_disk(pkg, tmp, files=None):
    part = os.path.join(tmp, "part.img")
    subprocess.run([os.path.join(pkg["dosfstools"], "sbin/mkfs.fat"),
                    "-F", "16", "-h", str(PART_START), "-n", "KESTREL",
                    "-C", part, str(PART_SECTORS // 2)],
                   check=True, capture_output=True)
    subprocess.run([os.path.join(pkg["syslinux"], "usr/bin/syslinux"),
                    "--install", part], check=True, capture_output=True)
    if not files:
        files = write_config(tmp, "SYSLINUX") + [
            os.path.join(modules(pkg), m) for m in MODULES]
    subprocess.run(["mcopy", "-i", part] + files + ["::/"], check=True,
                   capture_output=True)

    disk = os.path.join(tmp, "disk.img")
    with open(os.path.join(pkg["syslinux"], "usr/lib/SYSLINUX/mbr.bin"),
              "rb") as f:
        mbr = bytearray(f.read().ljust(512, b"\0"))
    # One active FAT16 (LBA) partition; the CHS fields say "use LBA".
    mbr[446:462] = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x0e,
                               b"\xfe\xff\xff", PART_START, PART_SECTORS)
    mbr[510:512] = b"\x55\xaa"
    with open(disk, "wb") as out, open(part, "rb") as p:
        out.write(mbr.ljust(PART_START * 512, b"\0"))
        shutil.copyfileobj(p, out)
    return ["-drive", "file=%s,format=raw,if=ide,index=0" % disk,
            "-boot", "order=c"]


def build_iso(pkg, tmp):
    root = os.path.join(tmp, "iso")
    boot = os.path.join(root, "isolinux")
    os.makedirs(boot)
    shutil.copy(os.path.join(pkg["isolinux"], "usr/lib/ISOLINUX/isolinux.bin"),
                boot)
    for m in ["ldlinux.c32"] + MODULES:
        shutil.copy(os.path.join(modules(pkg), m), boot)
    for f in write_config(tmp, "ISOLINUX"):
        shutil.copy(f, boot)
    iso = os.path.join(tmp, "cd.iso")
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-o", iso,
                    "-V", "KESTREL_ISOLINUX", "-b", "isolinux/isolinux.bin",
                    "-c", "isolinux/boot.cat", "-no-emul-boot",
                    "-boot-load-size", "4", "-boot-info-table", root],
                   check=True, capture_output=True)
    return ["-cdrom", iso, "-boot", "order=d"]


def boot_linux(a, media):
    g = guestlib.Guest(a.emulator, [
        "-display", "none", "-nodefaults", "-vga", "std", "-m", "256",
        "-serial", "stdio", "-no-reboot"] + media, qemu=a.qemu)

    def test():
        try:
            g.expect(r"SYSLINUX 6\.\d+", a.timeout)
            g.expect("KESTREL-BOOT-OK", 600)
            g.shell_ready()
            out, st = g.run("cat /proc/cmdline")
            if st != 0 or "BOOT_IMAGE=vmlinuz" not in out:
                g.fail("the kernel command line %r does not show SYSLINUX's "
                       "BOOT_IMAGE" % out)
        finally:
            g.kill()
    guestlib.main(test)


def main():
    ap = guestlib.arg_parser(timeout=60)
    ap.add_argument("kind", choices=["disk", "iso", "linux"])
    a = guestlib.parse_args(ap)
    if not a:
        return guestlib.SKIP
    pkg = tools(a.builddir)
    if not pkg:
        return guestlib.SKIP

    with tempfile.TemporaryDirectory() as tmp:
        if a.kind == "linux":
            files = linux_files(a.builddir, tmp)
            if not files:
                return guestlib.SKIP
            return boot_linux(a, build_disk(pkg, tmp, files))
        media = (build_disk if a.kind == "disk" else build_iso)(pkg, tmp)
        what = "SYSLINUX" if a.kind == "disk" else "ISOLINUX"
        sock = os.path.join(tmp, "mon.sock")
        g = guestlib.Guest(a.emulator, [
            "-display", "none", "-nodefaults", "-vga", "std", "-m", "64",
            "-serial", "stdio"] + media + guestlib.Monitor.args(sock),
            qemu=a.qemu)

        def test():
            try:
                mon = guestlib.Monitor(sock, g)
                g.expect(r"%s 6\.\d+" % what, a.timeout)
                g.expect(HELLO.strip() % what, a.timeout)
                # at the boot: prompt on the serial console, run meminfo.c32:
                # the E820 map, RAM from 1 MiB to near the end of -m 64
                g.expect("boot: ", a.timeout)
                g.send("meminfo\r")
                g.expect(r"0000000000100000x [0-9a-f]{16}x 0000000003f"
                         r"[0-9a-f]{5}x 1 \[-\] usable", a.timeout)
                mon.wait_screen(r"^%s 6\.\d+ .*Copyright" % what, 10)
                mon.wait_screen("^KESTREL-%s-SAY: the configuration runs" %
                                what, 10)
                mon.close()
            finally:
                g.kill()
        guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
