#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# Runs the built kestrel binary on command lines that need no guest:
# -help must list every option of the table in system/options.c (and every
# option the QEMU-compatible command line promises), -version and the
# "help" listings must exit 0, and each bad command line must print exactly
# one line on stderr, "kestrel: " followed by the option, and exit 1.
# A /dev path as a character device (QEMU's host serial form) must start
# and quit through the monitor.
# -accel kvm names the problem when /dev/kvm cannot be used, -accel kvm:tcg
# falls back with one line, and without -accel the TCG runs quietly where
# KVM is not there (check_kvm: works with and without /dev/kvm).
# Usage: test-cli.py PATH-TO-KESTREL. Exit status 77 means skipped.

import os
import re
import shutil
import subprocess
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')

# Options the command line must offer (a QEMU user's usual set).
REQUIRED = '''m smp cpu accel machine enable-kvm bios L kernel initrd append
    hda hdb hdc hdd cdrom fda fdb drive boot snapshot serial parallel monitor
    qmp chardev device netdev nic net nographic display vga no-reboot
    no-shutdown s S gdb d D debugcon name rtc nodefaults global version
    help h'''.split()

# (arguments, text the single stderr line must contain after "kestrel: ")
BAD = [
    (['-nosuchopt'], '-nosuchopt'),
    (['--nosuchopt'], '--nosuchopt'),
    (['-m', 'lots'], '-m lots'),
    (['-m', 'size=lots'], '-m size=lots'),
    (['-m', '0'], '-m 0'),
    (['-m'], '-m'),
    (['-hda', 'missing.img'], '-hda missing.img: cannot open'),
    (['missing.img'], '-hda missing.img: cannot open'),
    (['-cdrom', 'missing.iso'], '-cdrom missing.iso: cannot open'),
    (['-fda', 'missing.img'], '-fda missing.img: cannot open'),
    (['-drive', 'file=missing.img'], '-drive file=missing.img'),
    (['-drive', 'file=x,if=bogus'], '-drive'),
    (['-drive', 'file=x,bogus=1'], '-drive'),
    (['-kernel', 'missing-bzImage'], '-kernel missing-bzImage'),
    (['-initrd', 'missing.cpio'], '-initrd missing.cpio'),
    (['-bios', 'missing-bios.bin'], '-bios missing-bios.bin'),
    (['-append', 'console=ttyS0'], '-append'),
    (['-smp', '0'], '-smp 0'),
    (['-smp', 'cpus=two'], '-smp'),
    (['-cpu', 'nosuchcpu'], '-cpu nosuchcpu'),
    (['-accel', 'nosuchaccel'], '-accel nosuchaccel'),
    (['-accel', 'kvm:nosuch'], '-accel kvm:nosuch'),
    (['-accel', 'kvm,bogus=1'], '-accel kvm,bogus=1: unknown option'),
    (['-machine', 'q35'], '-machine q35'),
    (['-boot', 'order=z'], '-boot order=z'),
    (['-serial', 'bogus'], '-serial bogus'),
    (['-serial', 'tcp::4444,server=maybe'], '-serial'),
    # QEMU takes a bare path only under /dev (a host device), not a file
    (['-debugcon', 'out.txt'], '-debugcon out.txt: unknown'),
    (['-serial', '/dev/parport0'], '-serial /dev/parport0: not supported'),
    (['-debugcon', '/dev/no-such-dev'], '/dev/no-such-dev: cannot open'),
    (['-monitor', 'vc'], '-monitor vc'),
    (['-chardev', 'socket,id=c0'], '-chardev'),
    (['-chardev', 'nosuch,id=c0'], '-chardev nosuch,id=c0'),
    (['-device', 'nosuchdevice'], '-device nosuchdevice'),
    (['-device', 'nosuchdevice,help'], '-device nosuchdevice,help'),
    (['-netdev', 'tap,id=n0'], '-netdev tap,id=n0'),
    (['-net', 'nic'], '-net nic'),
    (['-display', 'gtk'], '-display gtk'),
    (['-vga', 'cirrus'], '-vga cirrus'),
    (['-rtc', 'base=yesterday'], '-rtc base=yesterday'),
    (['-rtc', 'base=9999-01-01'], 'mc146818rtc: base=9999-01-01'),
    (['-d', 'nosuchitem'], '-d nosuchitem'),
    (['-global', 'nonsense'], '-global nonsense'),
    (['-nographic', '-display', 'sdl'], '-nographic'),
    (['-icount', 'shift=1'], '-icount: not supported by Kestrel'),
    (['-usb'], '-usb: not supported by Kestrel'),
    (['-object', 'memory-backend-ram,id=m'], '-object memory-backend-ram,id=m: object type'),
]

GOOD = [
    ['-version'], ['--version'], ['-help'], ['-h'], ['-device', 'help'],
    ['-cpu', 'help'], ['-machine', 'help'], ['-accel', 'help'],
    ['-display', 'help'], ['-vga', 'help'], ['-chardev', 'help'],
    ['-d', 'help'],
]

failures = []


def run(kestrel, args):
    return subprocess.run([kestrel] + args, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)


def check(cond, what):
    if not cond:
        failures.append(what)


def accel_run(kestrel, args, wrap=()):
    """Start stopped, ask "info accel", quit: (status, stderr, accel)."""
    r = subprocess.run(list(wrap) + [kestrel, '-S', '-display', 'none',
                                     '-nodefaults', '-monitor', 'stdio']
                       + args, input='info accel\nquit\n',
                       capture_output=True, text=True, timeout=30)
    m = re.search(r'accelerator: (\w+)', r.stdout)
    return r.returncode, r.stderr, m.group(1) if m else None


def host_has_virt():
    with open('/proc/cpuinfo') as f:
        flags = re.search(r'^flags\s*:(.*)$', f.read(), re.M)
    return bool(flags) and bool({'vmx', 'svm'} & set(flags.group(1).split()))


def check_kvm(kestrel):
    try:
        os.close(os.open('/dev/kvm', os.O_RDWR))
        why = None
    except OSError as e:
        why = e.strerror
    if why:
        st, err, _ = accel_run(kestrel, ['-accel', 'kvm'])
        want = f'kestrel: -accel kvm: /dev/kvm: {why}'
        check(st == 1 and err.strip() == want,
              f'-accel kvm without /dev/kvm: exit {st}, {err!r}, want {want!r}')
        st, err, acc = accel_run(kestrel, ['-accel', 'kvm:tcg'])
        want += '; falling back to -accel tcg'
        check(st == 0 and acc == 'tcg' and err.strip() == want,
              f'-accel kvm:tcg without /dev/kvm: exit {st}, {acc}, {err!r}')
    else:
        for args in (['-accel', 'kvm'], ['-accel', 'kvm:tcg'],
                     ['-machine', 'accel=kvm:tcg'], ['-enable-kvm']):
            st, err, acc = accel_run(kestrel, args)
            check(st == 0 and acc == 'kvm' and err == '',
                  f'{args} with /dev/kvm: exit {st}, {acc}, {err!r}')
        # an unusable /dev/kvm (root only): /dev/null in its place
        if os.geteuid() == 0 and shutil.which('unshare'):
            st, err, _ = accel_run(kestrel, ['-accel', 'kvm'], wrap=(
                'unshare', '-m', 'sh', '-c',
                'mount --bind /dev/null /dev/kvm && exec "$@"', 'sh'))
            check(st == 1 and err.startswith(
                'kestrel: -accel kvm: /dev/kvm: not a KVM device') and
                len(err.splitlines()) == 1,
                f'-accel kvm on /dev/null: exit {st}, {err!r}')
        # no permission (root only): the same as user nobody
        if (os.geteuid() == 0 and shutil.which('setpriv') and
                not os.stat('/dev/kvm').st_mode & 0o006):
            st, err, _ = accel_run(kestrel, ['-accel', 'kvm'], wrap=(
                'setpriv', '--reuid=65534', '--regid=65534',
                '--clear-groups'))
            want = 'kestrel: -accel kvm: /dev/kvm: Permission denied'
            check(st == 1 and err.strip() == want or st in (126, 127),
                  f'-accel kvm as nobody: exit {st}, {err!r}, want {want!r}')
    # no -accel: KVM only where it is real (VMX/SVM), else the TCG, quietly
    st, err, acc = accel_run(kestrel, [])
    want = 'kvm' if host_has_virt() and not why else 'tcg'
    check(st == 0 and acc == want and err == '',
          f'no -accel: exit {st}, {acc} (want {want}), {err!r}')


def table_options():
    """Option names in the table of system/options.c."""
    with open(os.path.join(SRC, 'system', 'options.c')) as f:
        text = f.read()
    table = text[text.index('ks_options[] = {'):]
    table = table[:table.index('\n};')]
    names = re.findall(r'^\s*\{ "([^"]+)",', table, re.M)
    names += re.findall(r'NOT_SUPPORTED\("([^"]+)"', table)
    return names


def main():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        print('kestrel binary not found; skipping')
        return 77
    kestrel = sys.argv[1]

    for args in GOOD:
        r = run(kestrel, args)
        check(r.returncode == 0, f'{args}: exit {r.returncode}, '
              f'stderr {r.stderr!r}')
        check(r.stdout.strip() != '', f'{args}: printed nothing')

    r = run(kestrel, ['-version'])
    check(r.stdout.startswith('Kestrel emulator version ')
          and '(QEMU-compatible command line)' in r.stdout,
          f'-version printed {r.stdout!r}')

    helptext = run(kestrel, ['-help']).stdout
    words = set(re.findall(r'(?<![\w-])-([\w-]+)', helptext))
    for name in sorted(set(REQUIRED) | set(table_options())):
        check(name in words, f'-help does not mention -{name}')

    types = [line.split()[0] for line in
             run(kestrel, ['-device', 'help']).stdout.splitlines()[1:]
             if line.strip()]
    check(len(types) > 0, '-device help lists no device types')
    for t in types:
        r = run(kestrel, ['-device', f'{t},help'])
        check(r.returncode == 0 and r.stdout.startswith(f'{t} options:'),
              f'-device {t},help: exit {r.returncode}, {r.stdout!r}')

    for args, expect in BAD:
        r = run(kestrel, args)
        lines = r.stderr.splitlines()
        check(r.returncode == 1, f'{args}: exit {r.returncode}, want 1')
        check(len(lines) == 1, f'{args}: {len(lines)} stderr lines: '
              f'{r.stderr!r}')
        check(lines[:1] and lines[0].startswith('kestrel: ' + expect),
              f'{args}: stderr {r.stderr!r} does not start with '
              f'"kestrel: {expect}"')

    # -debugcon /dev/null and -serial /dev/null open; "quit" ends the run
    r = subprocess.run([kestrel, '-S', '-display', 'none', '-nodefaults',
                        '-debugcon', '/dev/null', '-serial', '/dev/null',
                        '-monitor', 'stdio'], input='quit\n',
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f'-debugcon /dev/null: exit {r.returncode}, '
          f'stderr {r.stderr!r}')

    check_kvm(kestrel)

    for f in failures:
        print('FAIL:', f)
    print(f'{len(failures)} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
