#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot a Debian kernel with a busybox initramfs to a shell on the serial
console, run commands there: uname, nproc, /proc/cpuinfo, the PCI
devices with QEMU's IDs, `date`
against -rtc base, `sleep 1` against /proc/uptime, an ext2 IDE disk
(ata_piix loaded by /init) written, then read back after `reboot -f`;
`poweroff -f` ends the process with status 0, and so does `reboot -f`
under -no-reboot.

usage: test-linux.py [--qemu] [--accel A] [--smp N] --arch i386|amd64
                     EMULATOR BUILDDIR
i386 runs on -cpu qemu32, amd64 on -cpu qemu64; --smp N boots N vCPUs and checks that `nproc`
prints N.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# The IDE disk (ext2, made here with mkfs.ext2) needs these modules.
MODULES = "ata_piix sd_mod crc32c_generic ext4"
RTC_BASE = "2001-02-03T04:05:06"
# QEMU's pc machine with -nodefaults, as lspci would list it: i440FX
# host bridge, PIIX3 ISA bridge and IDE, PIIX4 ACPI.
PCI_DEVICES = ["0000:00:00.0 0x8086 0x1237", "0000:00:01.0 0x8086 0x7000",
               "0000:00:01.1 0x8086 0x7010", "0000:00:01.3 0x8086 0x7113"]
# Features of -cpu qemu32 (i386) and qemu64 (amd64) that Linux reports.
CPU_FLAGS = {"i386": {"fpu", "tsc", "msr", "pae", "cx8", "apic", "cmov",
                      "sse", "sse2", "fxsr", "pni"},
             "amd64": {"fpu", "tsc", "msr", "pae", "cx8", "apic", "cmov",
                       "sse", "sse2", "fxsr", "pni", "syscall", "lm", "nx"}}


def main():
    ap = guestlib.arg_parser(timeout=600)
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--arch", default="i386")
    ap.add_argument("--smp", type=int, default=1)
    a = guestlib.parse_args(ap)
    if not a:
        return guestlib.SKIP

    p = subprocess.run([os.path.join(SRC, "scripts/make-linux-guest"),
                        "--builddir", a.builddir, "--modules", MODULES,
                        a.arch], capture_output=True, text=True)
    if p.returncode != 0:
        print("SKIP: cannot build the Linux guest: " + p.stderr.strip())
        return guestlib.SKIP
    kernel, initrd = p.stdout.split()
    tmp = tempfile.mkdtemp(prefix="kestrel-linux-")
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    subprocess.run(["mkfs.ext2", "-q", "-F", disk], check=True)

    # the same -cpu for Kestrel and QEMU: both default to qemu64
    cpu = ["-cpu", "qemu64" if a.arch == "amd64" else "qemu32"]
    args = cpu + [
        "-accel", a.accel, "-m", "256", "-smp", str(a.smp),
        "-display", "none", "-nodefaults", "-serial", "stdio",
        "-rtc", "base=" + RTC_BASE,
        "-drive", "file=%s,format=raw,if=ide" % disk, "-kernel", kernel,
        "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet"]
    g = guestlib.Guest(a.emulator, args, qemu=a.qemu)
    g2 = None

    def check(cmd, ok, what):
        out, st = g.run(cmd)
        if st != 0 or not ok(out.strip()):
            g.fail("%s: `%s` printed %r (status %d)" % (what, cmd, out, st))
        return out.strip()

    def test():
        nonlocal g2
        try:
            g.expect("KESTREL-BOOT-OK", a.timeout)
            g.shell_ready()
            want = "x86_64" if a.arch == "amd64" else "i686"
            check("uname -m", lambda o: want in o, "machine")
            check("nproc", lambda o: o == str(a.smp), "CPUs online")
            check("grep -c ^processor /proc/cpuinfo",
                  lambda o: o == str(a.smp), "cpuinfo processors")
            check("grep -m1 '^model name' /proc/cpuinfo",
                  lambda o: o.endswith("QEMU Virtual CPU version 2.5+"),
                  "cpuinfo model")
            check("grep -m1 '^flags' /proc/cpuinfo",
                  lambda o: CPU_FLAGS[a.arch] <= set(o.split()[2:]),
                  "cpuinfo flags")
            check("cd /sys/bus/pci/devices && for d in *; do echo $d "
                  "$(cat $d/vendor $d/device); done; cd /",
                  lambda o: [ln.strip() for ln in o.splitlines()]
                  == PCI_DEVICES, "PCI devices")
            check("date -u +%Y-%m-%dT%H", lambda o: o == RTC_BASE[:13],
                  "-rtc base")
            out = check("a=$(cut -d' ' -f1 /proc/uptime); sleep 1; "
                        "b=$(cut -d' ' -f1 /proc/uptime); echo $a $b",
                        lambda o: len(o.split()) == 2, "uptime")
            t0, t1 = (float(x) for x in out.split())
            if not 0.95 <= t1 - t0 <= 1.5:
                g.fail("sleep 1 took %.2f s of guest time" % (t1 - t0))
            check("mount -t ext2 /dev/sda /mnt && echo kestrel-disk > "
                  "/mnt/f && sync && umount /mnt && echo ok",
                  lambda o: o.endswith("ok"), "IDE disk write")
            check("dmesg | grep -E 'BUG|Oops|WARNING|unchecked MSR' | "
                  "head -5", lambda o: not o, "dmesg problems")
            # reboot restarts the machine: the file is still there
            g.send("reboot -f\n")
            g.expect("KESTREL-BOOT-OK", a.timeout)
            g.shell_ready()
            check("mount -t ext2 /dev/sda /mnt && cat /mnt/f && umount /mnt",
                  lambda o: o == "kestrel-disk", "IDE disk after reboot")
            g.send("poweroff -f\n")
            st = g.wait_exit(120)
            if st != 0:
                g.fail("poweroff -f: exit status %s, wanted 0" % st)
            # -no-reboot: a reboot ends the process
            g2 = guestlib.Guest(a.emulator, args + ["-no-reboot"],
                                qemu=a.qemu)
            g2.expect("KESTREL-BOOT-OK", a.timeout)
            g2.shell_ready()
            g2.send("reboot -f\n")
            st = g2.wait_exit(120)
            if st != 0:
                g2.fail("-no-reboot, reboot -f: exit status %s, wanted 0"
                        % st)
        finally:
            g.kill()
            if g2:
                g2.kill()
            shutil.rmtree(tmp, ignore_errors=True)
    guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
