#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# -display curses in a tmux pane: `tmux capture-pane` shows SeaBIOS's
# banner in its VGA colours and the cursor where the VGA has it; keys
# typed into the pane reach the kbd-echo guest (tests/guest/kbd-echo.asm)
# as set 2 scancodes; Ctrl-] quits and leaves the terminal usable; without
# a terminal it is a clear error.
# With --linux BUILDDIR: the i386 Linux guest (scripts/make-linux-guest)
# on the VGA text console (console=tty0): the pane shows SeaBIOS's banner,
# then the busybox shell prompt; a command typed into the pane runs and its
# output appears on the pane.
# Skips (77) without tmux, or with --linux when the guest cannot be built.
# Usage: test-display-curses.py KESTREL KBD_ECHO_BIN
#        test-display-curses.py --linux BUILDDIR KESTREL
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60


class Tmux:
    def __init__(self, tmp):
        self.sock = os.path.join(tmp, 'tmux.sock')

    def run(self, *args):
        return subprocess.run(['tmux', '-S', self.sock] + list(args),
                              capture_output=True, timeout=TIMEOUT
                              ).stdout.decode(errors='replace')

    def start(self, cmd):
        self.run('new-session', '-d', '-x', '100', '-y', '30',
                 cmd + '; echo EXITED $?; sleep 30')

    def screen(self):
        return self.run('capture-pane', '-p')

    def wait(self, text, what, extra=''):
        deadline = time.time() + TIMEOUT
        while text not in self.screen():
            if time.time() > deadline:
                self.fail('no %s; pane:\n%s%s' % (what, self.screen(),
                                                  extra))
            time.sleep(0.2)

    def fail(self, msg):
        print('FAIL: ' + msg)
        self.run('kill-server')
        sys.exit(1)


def kestrel_cmd(kestrel, args):
    return ' '.join(shlex.quote(a) for a in [kestrel, '-nodefaults',
                                              '-vga', 'std', '-display',
                                              'curses'] + args)


def test_banner(kestrel, tmp):
    t = Tmux(tmp)
    t.start(kestrel_cmd(kestrel, ['-vga', 'std']))
    t.wait('SeaBIOS (version', 'SeaBIOS banner')
    # the VGA attribute (light grey on black) became terminal colours
    coloured = t.run('capture-pane', '-e', '-p')
    if '\x1b[37m' not in coloured or '\x1b[40m' not in coloured:
        t.fail('no grey-on-black colours in the pane: %r' % coloured[:200])
    # the VGA cursor is the terminal's: at the start of the line after
    # SeaBIOS's last message
    t.wait('No bootable device.', 'SeaBIOS giving up')
    lines = t.screen().split('\n')
    row = [i for i, l in enumerate(lines) if 'No bootable device.' in l][0]
    deadline = time.time() + TIMEOUT
    while True:
        cursor = t.run('display', '-p', '#{cursor_x},#{cursor_y}').strip()
        if cursor == '0,%d' % (row + 1):
            break
        if time.time() > deadline:
            t.fail('cursor at %s, expected 0,%d' % (cursor, row + 1))
        time.sleep(0.2)
    t.run('send-keys', 'C-]')
    t.wait('EXITED 0', 'exit after Ctrl-]')
    t.run('kill-server')
    print('ok: curses shows the SeaBIOS banner in colour and the cursor; '
          'Ctrl-] quits')


def test_keys(kestrel, echo_bin, tmp):
    log = os.path.join(tmp, 'debugcon.txt')
    t = Tmux(tmp)
    t.start(kestrel_cmd(kestrel, ['-bios', echo_bin, '-debugcon',
                                  'file:' + log]))
    deadline = time.time() + TIMEOUT
    while not os.path.exists(log) or 'READY' not in open(log).read():
        if time.time() > deadline:
            t.fail('the guest did not print READY; pane:\n' + t.screen())
        time.sleep(0.1)
    t.run('send-keys', 'a')
    t.run('send-keys', 'Enter')
    t.run('send-keys', 'A')
    # a: 1C F0 1C; Enter: 5A F0 5A; A: shift 12, 1C F0 1C, F0 12
    want = 'K:1C\nK:F0\nK:1C\nK:5A\nK:F0\nK:5A\nK:12\nK:1C\nK:F0\nK:1C\n' \
           'K:F0\nK:12\n'
    while want not in open(log).read():
        if time.time() > deadline:
            t.fail('keys did not reach the guest; console:\n' +
                   open(log).read())
        time.sleep(0.1)
    t.run('send-keys', 'C-]')
    t.wait('EXITED 0', 'exit after Ctrl-]')
    t.run('kill-server')
    print('ok: keys typed in the terminal reach the guest')


def test_no_tty(kestrel):
    r = subprocess.run([kestrel, '-nodefaults', '-display', 'curses'],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=TIMEOUT)
    err = r.stderr.decode(errors='replace')
    if r.returncode != 1 or 'needs a terminal' not in err:
        print('FAIL: -display curses without a terminal: status %d, %r'
              % (r.returncode, err))
        sys.exit(1)
    print('ok: -display curses without a terminal is a clear error')


def test_linux(kestrel, kernel, initrd, tmp):
    t = Tmux(tmp)
    t.start(kestrel_cmd(kestrel, ['-m', '256', '-no-reboot',
                                  '-kernel', kernel, '-initrd', initrd,
                                  '-append', 'console=tty0 quiet panic=-1']))
    # SeaBIOS's banner shows before the kernel takes the screen over.
    t.wait('SeaBIOS (version', 'SeaBIOS banner')
    t.wait('kestrel:/#', 'shell prompt on the VGA console')
    # type into the pane: the keys reach the guest's keyboard, the shell
    # runs the command and the output is drawn on the VGA text screen
    t.run('send-keys', '-l', 'echo hi-from-curses')
    t.run('send-keys', 'Enter')
    deadline = time.time() + TIMEOUT
    while not re.search(r'^hi-from-curses\s*$', t.screen(), re.M):
        if time.time() > deadline:
            t.fail('no output of the typed command; pane:\n' + t.screen())
        time.sleep(0.2)
    if 'echo hi-from-curses' not in t.screen():
        t.fail('the typed command is not echoed; pane:\n' + t.screen())
    t.run('send-keys', 'C-]')
    t.wait('EXITED 0', 'exit after Ctrl-]')
    t.run('kill-server')
    print('ok: curses shows SeaBIOS, then the Linux shell prompt; a command '
          'typed in the pane runs and prints on the pane')


def main_linux(builddir, kestrel):
    if not shutil.which('tmux'):
        print('SKIP: tmux not installed (Debian tmux)')
        sys.exit(77)
    src = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    p = subprocess.run([os.path.join(src, 'scripts', 'make-linux-guest'),
                        '--builddir', builddir, 'i386'],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print('SKIP: cannot build the Linux guest: ' + p.stderr.strip())
        sys.exit(77)
    kernel, initrd = p.stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        test_linux(kestrel, os.path.abspath(kernel), os.path.abspath(initrd),
                   tmp)


def main():
    if sys.argv[1] == '--linux':
        main_linux(sys.argv[2], sys.argv[3])
        return
    kestrel, echo_bin = sys.argv[1], sys.argv[2]
    test_no_tty(kestrel)
    if not shutil.which('tmux'):
        print('SKIP: tmux not installed (Debian tmux)')
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        test_banner(kestrel, tmp)
    with tempfile.TemporaryDirectory() as tmp:
        test_keys(kestrel, echo_bin, tmp)


if __name__ == '__main__':
    main()
