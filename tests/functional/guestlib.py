# SPDX-License-Identifier: MIT
"""Helpers for functional tests: run an emulator (Kestrel or QEMU) with
the guest's serial console on the process's stdin/stdout, wait for text
with a timeout, type commands, and collect what the guest printed.

Every wait has a timeout and every failure raises TestFailure with the
console text so far, so a test never hangs and always says why.
"""
import os
import re
import subprocess
import sys
import threading
import time

SKIP = 77


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


def main(test):
    """Run test() and map its outcome to an exit status."""
    try:
        test()
    except TestFailure as e:
        print("FAIL:", e)
        sys.exit(1)
    print("PASS")
    sys.exit(0)
