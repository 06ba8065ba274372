#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Debian i386 guest on the VGA text console and the PS/2 keyboard.

The kernel has two consoles (console=tty0 console=ttyS0): a message
written to /dev/kmsg from the serial shell shows on the VGA screen too.
A second shell runs on tty1; the screen, read from the monitor's
`screendump` (PPM) by matching each 9x16 (or 8x16) cell against the 8x16
font of the VGA BIOS, shows its prompt. Keys typed with `sendkey` on the
PS/2 keyboard run `echo kbd-ok >/dev/ttyS0` in that shell (checked on the
serial console) and `echo vga-$((6*7))`, whose command line and output
(vga-42) then show in the screendump. `poweroff -f` ends the process
with status 0.

The screendump is the visible screen whatever the CRTC start address
(Linux's vgacon scrolls by moving it), which xp of 0xb8000 is not.

usage: test-linux-vga.py [--qemu] EMULATOR BUILDDIR
Skips (77) when the guest cannot be built or no VGA BIOS image with its
font is found (Debian's seabios package).
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
VGA_BIOSES = ["/usr/share/seabios/vgabios-stdvga.bin",
              "/usr/share/qemu/vgabios-stdvga.bin"]
# Glyph 1 (the smiley) of the IBM VGA 8x16 font; glyph 0 is blank.
SMILEY = bytes([0, 0, 0x7e, 0x81, 0xa5, 0x81, 0x81, 0xbd, 0x99, 0x81, 0x81,
                0x7e, 0, 0, 0, 0])
CURSOR_ROWS = 13                        # vgacon's underline: lines 13-14


def load_font():
    """{16 glyph bytes: character} for printable ASCII, from the 8x16
    font table in the VGA BIOS image, or None."""
    for path in VGA_BIOSES:
        if not os.path.exists(path):
            continue
        rom = open(path, "rb").read()
        at = rom.find(bytes(16) + SMILEY)
        if at >= 0 and at + 256 * 16 <= len(rom):
            return {rom[at + c * 16:at + c * 16 + 16]: chr(c)
                    for c in range(0x20, 0x7f)}
    return None


def decode_screen(font, w, h, pixels, cols=80, rows=25):
    """The text of a screendump: each cell's lit pixels (not black) as
    8-bit glyph rows, looked up in the font. A cell lit only where the
    cursor is reads as a space; any other unknown cell as '?'."""
    cw, ch = w // cols, h // rows
    if cw not in (8, 9) or ch != 16:
        raise guestlib.TestFailure("screendump %dx%d is not an 80x25 text "
                                   "screen of 8x16 or 9x16 cells" % (w, h))
    lines = []
    for cy in range(rows):
        line = ""
        for cx in range(cols):
            glyph = bytearray(16)
            for r in range(16):
                base = ((cy * ch + r) * w + cx * cw) * 3
                bits = 0
                for x in range(8):
                    if pixels[base + x * 3:base + x * 3 + 3] != b"\0\0\0":
                        bits |= 0x80 >> x
                glyph[r] = bits
            glyph = bytes(glyph)
            if glyph in font:
                line += font[glyph]
            elif not any(glyph[:CURSOR_ROWS]):
                line += " "
            else:
                line += "?"
        lines.append(line.rstrip())
    return lines


def main():
    ap = guestlib.arg_parser(timeout=600)
    a = guestlib.parse_args(ap)
    if not a:
        return guestlib.SKIP
    font = load_font()
    if not font:
        print("SKIP: no VGA BIOS with an 8x16 font in %s" %
              " or ".join(VGA_BIOSES))
        return guestlib.SKIP
    p = subprocess.run([os.path.join(SRC, "scripts/make-linux-guest"),
                        "--builddir", a.builddir, "i386"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("SKIP: cannot build the Linux guest: " + p.stderr.strip())
        return guestlib.SKIP
    kernel, initrd = p.stdout.split()

    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "mon.sock")
        dump = os.path.join(tmp, "screen.ppm")
        g = guestlib.Guest(a.emulator, [
            "-m", "256", "-display", "none", "-nodefaults", "-vga", "std",
            "-serial", "stdio", "-kernel", kernel, "-initrd", initrd,
            "-append", "console=tty0 console=ttyS0 panic=-1 quiet"] +
            guestlib.Monitor.args(sock), qemu=a.qemu)

        def wait_screen(mon, patterns, timeout=60):
            """Poll screendumps until every regex matches a line."""
            deadline = time.monotonic() + timeout
            while True:
                lines = decode_screen(font, *mon.screendump(dump))
                if all(any(re.search(p, ln) for ln in lines)
                       for p in patterns):
                    return lines
                if time.monotonic() > deadline:
                    g.fail("timeout (%gs) waiting for %r in the "
                           "screendump; it reads:\n%s" %
                           (timeout, patterns, "\n".join(lines).rstrip()))
                time.sleep(1)

        def test():
            try:
                mon = guestlib.Monitor(sock, g)
                g.expect("KESTREL-BOOT-OK", a.timeout)
                g.shell_ready()
                # the kernel's console is on the VGA screen as well
                out, _ = g.run("echo '<3>kestrel-kmsg-vga' > /dev/kmsg")
                if "kestrel-kmsg-vga" not in out:
                    g.expect("kestrel-kmsg-vga", 30)
                # a shell on tty1, the VGA console's foreground terminal
                g.run("(setsid sh -c 'exec sh </dev/tty1 >/dev/tty1 2>&1' &)")
                wait_screen(mon, [r"\] kestrel-kmsg-vga$",
                                  r"^kestrel:/# ?$"])
                # keys on the PS/2 keyboard reach that shell
                mon.type("echo kbd-ok >/dev/ttyS0\n")
                g.expect("kbd-ok", 60)
                mon.type("echo vga-$((6*7))\n")
                wait_screen(mon, [r"^kestrel:/# echo vga-\$\(\(6\*7\)\)$",
                                  r"^vga-42$"])
                mon.close()
                g.send("poweroff -f\n")
                st = g.wait_exit(120)
                if st != 0:
                    g.fail("poweroff -f: exit status %s, wanted 0" % st)
            finally:
                g.kill()
        guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
