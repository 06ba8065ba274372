#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""GRUB 2 boots from a raw hard disk or a CD built here and shows its menu
on the serial console; Enter runs the first entry, which echoes a line.

The disk: GRUB's boot.img in the MBR with one active FAT16 partition at
1 MiB, the core.img that grub-mkimage builds (biosdisk, part_msdos, fat,
normal, serial...) in the gap after the MBR (where grub-install puts it;
boot.img and diskboot.img load it from sector 1 by default), and
/boot/grub/grub.cfg with the modules in the partition. The tools come from
Debian's grub-pc-bin, grub-common and dosfstools (scripts/fetch-guests),
mtools from the host.
The CD: grub-mkimage's El Torito image (i386-pc-eltorito) as the
no-emulation boot image of an ISO 9660 made with xorriso, booted with
-cdrom -boot d.

usage: test-grub.py [--qemu] disk|cd EMULATOR BUILDDIR
"""
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

PART_START = 2048                       # sectors; core.img goes before it
PART_SECTORS = 32 << 11                 # 32 MiB, FAT16
CORE_MODULES = ["biosdisk", "part_msdos", "fat", "normal", "serial",
                "terminal", "echo", "configfile", "test"]

GRUB_CFG = """serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial
set timeout=-1
menuentry 'Kestrel first entry' {
    echo KESTREL-GRUB-ENTRY-OK
    sleep 600
}
menuentry 'Kestrel second entry' {
    echo second
}
"""


def build_disk(pkg, tmp):
    moddir = os.path.join(pkg["grub-pc-bin"], "usr/lib/grub/i386-pc")
    core = os.path.join(tmp, "core.img")
    subprocess.run([os.path.join(pkg["grub-common"], "usr/bin/grub-mkimage"),
                    "-O", "i386-pc", "-d", moddir, "-o", core,
                    "-p", "(hd0,msdos1)/boot/grub"] + CORE_MODULES,
                   check=True, capture_output=True)
    if os.path.getsize(core) > (PART_START - 1) * 512:
        raise guestlib.TestFailure("core.img does not fit before the "
                                   "partition")

    part = os.path.join(tmp, "part.img")
    subprocess.run([os.path.join(pkg["dosfstools"], "sbin/mkfs.fat"),
                    "-F", "16", "-h", str(PART_START), "-n", "KESTREL",
                    "-C", part, str(PART_SECTORS // 2)],
                   check=True, capture_output=True)
    cfg = os.path.join(tmp, "grub.cfg")
    with open(cfg, "w") as f:
        f.write(GRUB_CFG)
    mods = os.path.join(tmp, "i386-pc")
    os.mkdir(mods)
    for f in glob.glob(os.path.join(moddir, "*.mod")) + \
            glob.glob(os.path.join(moddir, "*.lst")):
        shutil.copy(f, mods)
    mtools = ["-i", part]
    subprocess.run(["mmd"] + mtools + ["::/boot", "::/boot/grub"],
                   check=True, capture_output=True)
    subprocess.run(["mcopy", "-s"] + mtools + [cfg, mods, "::/boot/grub/"],
                   check=True, capture_output=True)

    with open(os.path.join(moddir, "boot.img"), "rb") as f:
        mbr = bytearray(f.read())
    # The partition table, as grub-bios-setup copies it over the end of
    # boot.img (whose floppy probe code there is unused on a hard disk).
    mbr[446:510] = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x0e,
                               b"\xfe\xff\xff", PART_START,
                               PART_SECTORS).ljust(64, b"\0")
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as out, open(core, "rb") as c, \
            open(part, "rb") as p:
        out.write(mbr)
        out.write(c.read().ljust((PART_START - 1) * 512, b"\0"))
        shutil.copyfileobj(p, out)
    return disk


def build_cd(pkg, tmp):
    """An El Torito no-emulation CD: grub-mkimage's i386-pc-eltorito image
    as the boot image (grub-mkrescue's layout, without its EFI parts)."""
    moddir = os.path.join(pkg["grub-pc-bin"], "usr/lib/grub/i386-pc")
    grub = os.path.join(tmp, "iso", "boot", "grub")
    os.makedirs(os.path.join(grub, "i386-pc"))
    subprocess.run([os.path.join(pkg["grub-common"], "usr/bin/grub-mkimage"),
                    "-O", "i386-pc-eltorito", "-d", moddir,
                    "-o", os.path.join(grub, "eltorito.img"),
                    "-p", "/boot/grub", "iso9660"] + CORE_MODULES,
                   check=True, capture_output=True)
    with open(os.path.join(grub, "grub.cfg"), "w") as f:
        f.write(GRUB_CFG)
    for f in glob.glob(os.path.join(moddir, "*.mod")) + \
            glob.glob(os.path.join(moddir, "*.lst")):
        shutil.copy(f, os.path.join(grub, "i386-pc"))
    iso = os.path.join(tmp, "cd.iso")
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-o", iso,
                    "-V", "KESTREL_GRUB", "-b", "boot/grub/eltorito.img",
                    "-no-emul-boot", "-boot-load-size", "4",
                    "-boot-info-table", os.path.join(tmp, "iso")],
                   check=True, capture_output=True)
    return iso


def main():
    ap = guestlib.arg_parser(timeout=60)
    ap.add_argument("kind", choices=["disk", "cd"])
    a = guestlib.parse_args(ap)
    if not a:
        return guestlib.SKIP
    for t in ["mcopy", "mmd", "xorriso"]:
        if not shutil.which(t):
            print("SKIP: %s not found (scripts/install-deps)" % t)
            return guestlib.SKIP
    names = ["grub-pc-bin", "grub-common", "dosfstools"]
    dirs = guestlib.fetch(a.builddir, *names)
    if not dirs:
        return guestlib.SKIP

    with tempfile.TemporaryDirectory() as tmp:
        pkg = dict(zip(names, dirs))
        if a.kind == "disk":
            media = ["-boot", "order=c", "-drive",
                     "file=%s,format=raw,if=ide,index=0" % build_disk(pkg,
                                                                  tmp)]
        else:
            media = ["-boot", "order=d", "-cdrom", build_cd(pkg, tmp)]
        g = guestlib.Guest(a.emulator, [
            "-display", "none", "-nodefaults", "-vga", "std", "-m", "64",
            "-serial", "stdio"] + media, qemu=a.qemu)

        def test():
            try:
                g.expect(r"GNU GRUB +version 2\.\d+", a.timeout)
                g.expect("Kestrel first entry", a.timeout)
                g.expect("Kestrel second entry", a.timeout)
                g.send("\r")
                g.expect("KESTREL-GRUB-ENTRY-OK", a.timeout)
            finally:
                g.kill()
        guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
