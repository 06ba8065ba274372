# SPDX-License-Identifier: MIT
"""Helpers for functional tests: run an emulator (Kestrel or QEMU) with
the guest's serial console on the process's stdin/stdout, wait for text
with a timeout, type commands, and collect what the guest printed.
Monitor talks to the human monitor (HMP) on a unix socket: it types keys
on the PS/2 keyboard (sendkey), reads the VGA text screen (xp of the
text buffer at 0xb8000) and takes screendumps (PPM). wait_file() waits
for text in a log file, such as SeaBIOS's debug log on an isa-debugcon
at port 0x402. fetch() unpacks Debian packages with scripts/fetch-guests;
shared_guest() finds an image in ../shared/guests. arg_parser() and
parse_args() read the command line every boot test shares.

Every wait has a timeout and every failure raises TestFailure with the
console text so far, so a test never hangs and always says why.
"""
import argparse
import fcntl
import os
import re
import socket
import subprocess
import sys
import threading
import time

SKIP = 77
SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def fetch(builddir, *packages):
    """Unpack Debian packages with scripts/fetch-guests; return their
    directories, or None after printing why (the caller skips). A lock
    file keeps tests that run in parallel from unpacking one package
    at the same time."""
    os.makedirs(os.path.join(builddir, "guests"), exist_ok=True)
    with open(os.path.join(builddir, "guests", ".fetch-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        p = subprocess.run([os.path.join(SRC, "scripts", "fetch-guests"),
                            "--builddir", builddir] + list(packages),
                           capture_output=True, text=True)
    if p.returncode != 0:
        print("SKIP: " + (p.stderr.strip() or "fetch-guests failed"))
        return None
    return p.stdout.split()


def shared_guest(name):
    """Path of image `name` in ../shared/guests beside the repository, or
    None after printing why (the caller skips)."""
    path = os.path.join(os.path.dirname(SRC), "shared", "guests", name)
    if not os.path.exists(path):
        print("SKIP: %s not found (../shared/guests is absent)" % path)
        return None
    return path


class TestFailure(Exception):
    pass


class Guest:
    def __init__(self, emulator, args, qemu=False, log=None):
        self.cmd = [emulator] + (["-machine", "pc"] if qemu else []) + args
        self.buf = b""
        self.pos = 0                  # consumed up to here by expect()
        self.lock = threading.Condition()
        self.log = log
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.err = b""
        threading.Thread(target=self._reader, daemon=True).start()
        threading.Thread(target=self._err_reader, daemon=True).start()

    def _reader(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 4096)
            if not data:
                break
            if self.log:
                self.log.write(data.decode(errors="replace"))
                self.log.flush()
            with self.lock:
                self.buf += data
                self.lock.notify_all()
        with self.lock:
            self.lock.notify_all()

    def _err_reader(self):
        self.err = self.proc.stderr.read()

    def text(self):
        return self.buf.decode(errors="replace")

    def fail(self, why):
        raise TestFailure("%s\ncommand: %s\n--- console ---\n%s\n"
                          "--- stderr ---\n%s" %
                          (why, " ".join(self.cmd), self.text()[-6000:],
                           self.err.decode(errors="replace")[-3000:]))

    def expect(self, pattern, timeout):
        """Wait until regex `pattern` appears after the last match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str)
                        else pattern)
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                m = rx.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0:
                    self.fail("timeout (%gs) waiting for %r" %
                              (timeout, pattern))
                if self.proc.poll() is not None:
                    self.fail("emulator exited (status %s) while waiting "
                              "for %r" % (self.proc.returncode, pattern))
                self.lock.wait(min(left, 0.5))

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def run(self, command, timeout=60):
        """Type a shell command; return (output, exit status). The output
        is what the guest printed after the echoed command line."""
        self.seq = getattr(self, "seq", 0) + 1
        marker = "@@%d@@" % self.seq
        start = self.pos
        self.send("%s; echo %s$?\n" % (command, marker))
        m = self.expect(marker + r"(\d+)", timeout)
        out = self.buf[start:m.start()].decode(errors="replace")
        out = re.sub(r"^(\s*kestrel:[^#]*# )+", "", out.replace("\r", ""))
        return out, int(m.group(1))

    def shell_ready(self, timeout=60):
        """After the shell's first prompt: stop it echoing what we type,
        so that run() sees only command output."""
        self.expect("# ", timeout)
        self.send("stty -echo\n")
        self.expect("# ", timeout)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.fail("emulator did not exit within %gs" % timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def connect_retry(family, addr, proc, timeout=20):
    """A socket connected to addr once the emulator `proc` listens there;
    raises the last OSError after `timeout` seconds or when proc exits."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(family)
        try:
            sock.connect(addr)
        except OSError:
            sock.close()
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.1)
            continue
        sock.settimeout(timeout)
        return sock


def wait_file(path, pattern, timeout, proc=None):
    """Wait until regex `pattern` appears in file `path`; return the match.
    Raises TestFailure with the file's tail on timeout or when `proc`
    exits first."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    text = ""
    while True:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            pass
        m = rx.search(text)
        if m:
            return m
        if time.monotonic() > deadline or (proc and proc.poll() is not None):
            raise TestFailure("%s waiting for %r in %s\n--- %s ---\n%s" %
                              ("timeout (%gs)" % timeout
                               if time.monotonic() > deadline
                               else "emulator exited",
                               pattern, path, path, text[-4000:]))
        time.sleep(0.2)


# sendkey names (QEMU's QKeyCode names) of the characters type() knows.
KEY_NAMES = {" ": "spc", "\n": "ret", ".": "dot", ",": "comma",
             "-": "minus", "=": "equal", "/": "slash", "\\": "backslash",
             ";": "semicolon", ":": "shift-semicolon",
             "_": "shift-minus", ">": "shift-dot", "<": "shift-comma",
             "'": "apostrophe", '"': "shift-apostrophe", "+": "shift-equal",
             "?": "shift-slash", "|": "shift-backslash",
             "[": "bracket_left", "]": "bracket_right",
             "{": "shift-bracket_left", "}": "shift-bracket_right"}
KEY_NAMES.update({c: "shift-%d" % ((i + 1) % 10)
                  for i, c in enumerate("!@#$%^&*()")})


class Monitor:
    """The human monitor on a unix socket (-monitor unix:PATH,server=on,
    wait=off). cmd() sends one command line and returns what the monitor
    printed before its next prompt, without the echo of the command."""

    PROMPT = re.compile(rb"\((?:qemu|kestrel)\) $")

    def __init__(self, path, guest=None, timeout=30):
        self.guest = guest
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if time.monotonic() > deadline:
                    self._fail("cannot connect to the monitor at %s: %s" %
                               (path, e))
                if guest and guest.proc.poll() is not None:
                    guest.fail("emulator exited before its monitor opened")
                time.sleep(0.1)
        self._read_prompt(timeout)

    @staticmethod
    def args(path):
        """The emulator options that put a monitor on socket `path`."""
        return ["-monitor", "unix:%s,server=on,wait=off" % path]

    def _fail(self, why):
        if self.guest:
            self.guest.fail(why)
        raise TestFailure(why)

    def _read_prompt(self, timeout):
        buf = b""
        deadline = time.monotonic() + timeout
        while not self.PROMPT.search(buf):
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail("timeout waiting for the monitor prompt; got %r"
                           % buf[-500:])
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                self._fail("the monitor closed its socket; got %r" %
                           buf[-500:])
            buf += data
        return buf[:self.PROMPT.search(buf).start()]

    def cmd(self, line, timeout=30):
        self.sock.sendall(line.encode() + b"\n")
        out = self._read_prompt(timeout).decode(errors="replace")
        out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out).replace("\r", "")
        first, nl, rest = out.partition("\n")
        if line.strip() in first:         # the monitor echoed the command
            out = rest
        return out

    def sendkey(self, key):
        out = self.cmd("sendkey " + key)
        if out.strip():
            self._fail("sendkey %s: %s" % (key, out.strip()))
        time.sleep(0.15)                  # let the guest take it

    def type(self, text):
        """Type text on the keyboard, one sendkey per character."""
        for ch in text:
            if ch in KEY_NAMES:
                self.sendkey(KEY_NAMES[ch])
            elif ch.isupper():
                self.sendkey("shift-" + ch.lower())
            else:
                self.sendkey(ch)

    def screen(self, cols=80, rows=25):
        """The VGA text screen as a list of rows (characters only)."""
        out = self.cmd("xp /%dhx 0xb8000" % (cols * rows))
        cells = [int(w, 16) for w in
                 re.findall(r"0x([0-9a-f]{4})\b",
                            re.sub(r"(?m)^\s*[0-9a-f]+:", "", out))]
        if len(cells) != cols * rows:
            self._fail("xp of the text screen gave %d cells, wanted %d:\n%s"
                       % (len(cells), cols * rows, out[-1000:]))
        chars = "".join(chr(c & 0xff) if 32 <= (c & 0xff) < 127 else " "
                        for c in cells)
        return [chars[i:i + cols].rstrip() for i in range(0, len(chars),
                                                             cols)]

    def wait_screen(self, pattern, timeout):
        """Poll the text screen until regex `pattern` matches one of its
        rows; return the match. On timeout, fail showing the screen."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            rows = self.screen()
            for r in rows:
                m = rx.search(r)
                if m:
                    return m
            if time.monotonic() > deadline:
                self._fail("timeout (%gs) waiting for %r on the VGA text "
                           "screen:\n%s" % (timeout, pattern,
                                            "\n".join(rows).rstrip()))
            if self.guest and self.guest.proc.poll() is not None:
                self.guest.fail("emulator exited while waiting for %r on "
                                "the screen" % pattern)
            time.sleep(0.5)

    def screendump(self, path):
        """Save the screen with `screendump` as PPM; return (width,
        height, pixels) with pixels as RGB bytes, row by row."""
        out = self.cmd("screendump " + path)
        if out.strip():
            self._fail("screendump: " + out.strip())
        with open(path, "rb") as f:
            data = f.read()
        m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
        if not m:
            self._fail("screendump %s is not a binary PPM: %r" %
                       (path, data[:20]))
        w, h = int(m.group(1)), int(m.group(2))
        pixels = data[m.end():]
        if len(pixels) != w * h * 3:
            self._fail("screendump %s: %d bytes of pixels for %dx%d" %
                       (path, len(pixels), w, h))
        return w, h, pixels

    def close(self):
        self.sock.close()


def arg_parser(timeout):
    """An ArgumentParser with the options every boot test takes: --qemu
    (the emulator is QEMU, the reference run) and --timeout (seconds)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", action="store_true")
    ap.add_argument("--timeout", type=float, default=timeout)
    return ap


def parse_args(ap, builddir=True):
    """Add the emulator (and builddir) positionals last and parse; None
    after a SKIP line when --qemu names a QEMU that is not installed."""
    ap.add_argument("emulator")
    if builddir:
        ap.add_argument("builddir")
    a = ap.parse_args()
    if a.qemu and not os.path.exists(a.emulator):
        print("SKIP: %s not found" % a.emulator)
        return None
    return a


def main(test):
    """Run test() and map its outcome to an exit status."""
    try:
        test()
    except TestFailure as e:
        print("FAIL:", e)
        sys.exit(1)
    print("PASS")
    sys.exit(0)
