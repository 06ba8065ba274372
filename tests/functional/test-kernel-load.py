#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""-kernel/-initrd/-append beyond Linux itself: a multiboot v1 kernel
(multiboot/mbkernel.asm) with a module, reporting what it was handed on
the debug console; and the clear one-line errors for a file that is no
kernel, an initrd too large for guest RAM and a command line longer than
the kernel's header allows (a made-up bzImage header is enough there).

usage: test-kernel-load.py [--qemu] EMULATOR
Exit 77 (skip) when nasm is missing; with --qemu only the multiboot part
runs (QEMU's wording of errors differs).
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def run(emu, qemu, args, timeout=120):
    cmd = [emu] + (["-machine", "pc"] if qemu else []) + [
        "-display", "none", "-nodefaults"] + args
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def fake_bzimage(path, cmdline_size):
    """Setup header of protocol 2.15 (loaded high), one setup sector."""
    img = bytearray(4 * 512)
    img[0x1f1] = 1
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, 0x20f)
    img[0x211] = 0x01
    struct.pack_into("<I", img, 0x22c, 0x7fffffff)
    struct.pack_into("<I", img, 0x238, cmdline_size)
    with open(path, "wb") as f:
        f.write(img)


def build_kernel(tmp, elf):
    """The test kernel as a flat a.out-kludge image or as an ELF file
    (None when ld is missing)."""
    src = os.path.join(HERE, "multiboot", "mbkernel.asm")
    if not elf:
        kernel = os.path.join(tmp, "mbkernel.bin")
        subprocess.run(["nasm", "-f", "bin", "-o", kernel, src], check=True)
        return kernel
    if not shutil.which("ld"):
        return None
    obj = os.path.join(tmp, "mbkernel.o")
    kernel = os.path.join(tmp, "mbkernel.elf")
    subprocess.run(["nasm", "-f", "elf32", "-DELF", "-o", obj, src],
                   check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-Ttext", "0x100000", "-e",
                    "start", "-o", kernel, obj], check=True)
    return kernel


def check_multiboot(emu, qemu, tmp, elf, fails):
    kernel = build_kernel(tmp, elf)
    if kernel is None:
        print("note: ld not found, ELF multiboot kernel not tested")
        return
    mod = os.path.join(tmp, "module.txt")
    with open(mod, "w") as f:
        f.write("first line of the module\nsecond\n")
    p = run(emu, qemu, ["-m", "64", "-debugcon", "stdio", "-device",
                        "isa-debug-exit", "-kernel", kernel, "-initrd",
                        mod + " arg1 arg2", "-append", "test=1"])
    want = ["multiboot magic ok", "cmdline: %s test=1" % kernel,
            "mods: 00000001", "mod0: %s arg1 arg2" % mod,
            "mod0 data: first line of the module", "mod0 page aligned"]
    for line in want:
        if line not in p.stdout.splitlines():
            fails.append("multiboot %s: no line %r in:\n%s%s" %
                         (kernel, line, p.stdout, p.stderr))
    if "mmap entries: 0000000" not in p.stdout or \
            "mmap entries: 00000000" in p.stdout:
        fails.append("multiboot: no memory map:\n" + p.stdout)
    if p.returncode != 0x21:
        fails.append("multiboot: exit status %d, wanted 33" % p.returncode)


def check_error(emu, name, args, want, fails):
    p = run(emu, False, args, timeout=30)
    lines = p.stderr.strip().splitlines()
    if p.returncode != 1 or len(lines) != 1 or want not in lines[0]:
        fails.append("%s: wanted exit 1 and one line with %r, got %d:\n%s" %
                     (name, want, p.returncode, p.stderr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", action="store_true")
    ap.add_argument("emulator")
    a = ap.parse_args()
    if not shutil.which("nasm"):
        print("SKIP: nasm not found")
        return SKIP
    if a.qemu and not os.path.exists(a.emulator):
        print("SKIP: %s not found" % a.emulator)
        return SKIP
    fails = []
    with tempfile.TemporaryDirectory() as tmp:
        check_multiboot(a.emulator, a.qemu, tmp, False, fails)
        check_multiboot(a.emulator, a.qemu, tmp, True, fails)
        if not a.qemu:
            junk = os.path.join(tmp, "not-a-kernel")
            with open(junk, "wb") as f:
                f.write(b"\x7fELF" + bytes(9000))
            check_error(a.emulator, "not a kernel", ["-kernel", junk],
                        junk + ": neither a Linux bzImage", fails)
            bz = os.path.join(tmp, "bzImage")
            fake_bzimage(bz, 16)
            check_error(a.emulator, "long command line",
                        ["-kernel", bz, "-append", "x" * 17],
                        "-append: command line of 17 bytes, the kernel "
                        "accepts 16", fails)
            big = os.path.join(tmp, "big.cpio")
            with open(big, "wb") as f:
                f.truncate(24 << 20)
            check_error(a.emulator, "initrd too large",
                        ["-m", "16", "-kernel", bz, "-initrd", big],
                        "-initrd %s: 25165824 bytes do not fit" % big, fails)
    if fails:
        print("FAIL:\n" + "\n".join(fails))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
