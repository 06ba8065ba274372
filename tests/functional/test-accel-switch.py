#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The live accelerator switch: the accelswitch/count.asm guest counts
# under the TCG; over QMP it moves to KVM (x-accel-switch), back to the
# TCG, to KVM and to the TCG again, each time after it has printed more
# dots; query-kvm and HMP "info accel" must follow. A key (HMP sendkey)
# ends the count and the guest checks its registers against a recount.
# -smp 2: the second vCPU, halted waiting for a SIPI, moves along.
# Skipped (77) where /dev/kvm cannot be opened: CI machines have none.
# usage: test-accel-switch.py KESTREL IMAGE
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60


def main():
    kestrel, image = sys.argv[1:3]
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        print('SKIP: /dev/kvm cannot be opened here: no KVM to switch to')
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        con = os.path.join(tmp, 'debugcon.txt')
        sock_path = os.path.join(tmp, 'qmp.sock')
        argv = [kestrel, '-accel', 'tcg', '-cpu', 'qemu64', '-smp', '2',
                '-display', 'none', '-nodefaults', '-m', '32', '-bios', image,
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                '-debugcon', 'file:' + con,
                '-qmp', f'unix:{sock_path},server=on,wait=off']
        vm = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        try:
            result = drive(vm, con, sock_path)
            status = vm.wait(timeout=TIMEOUT)
        except Exception as e:          # report with the VM's output
            result, status = f'{type(e).__name__}: {e}', None
        finally:
            if vm.poll() is None:
                vm.kill()
            out = vm.communicate()[0]
        text = open(con).read() if os.path.exists(con) else ''
    lines = text.splitlines()
    if result or status != 1 or not lines or lines[-1] != 'PASS':
        print(f'FAIL: {result or "guest did not pass"} (exit status '
              f'{status})')
        print('--- debug console ---\n' + text)
        print('--- kestrel output ---\n' + out)
        print('command line:', ' '.join(argv))
        sys.exit(1)
    print(text, end='')
    print('PASS')


def drive(vm, con, sock_path):
    """Switch back and forth; a string says what went wrong."""
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(sock_path):
        if time.monotonic() > deadline or vm.poll() is not None:
            return 'no QMP socket'
        time.sleep(0.05)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    f = s.makefile('rwb')

    def cmd(name, **args):
        f.write(json.dumps({'execute': name, 'arguments': args}).encode()
                + b'\n')
        f.flush()
        while True:
            r = json.loads(f.readline())
            if 'event' not in r:
                return r

    def dots():
        try:
            return open(con).read().count('.')
        except OSError:
            return 0

    def wait_dots(n):
        goal = dots() + n
        while dots() < goal:
            if time.monotonic() > deadline or vm.poll() is not None:
                return False
            time.sleep(0.02)
        return True

    json.loads(f.readline())            # greeting
    cmd('qmp_capabilities')
    for accel in ['kvm', 'tcg', 'kvm', 'tcg']:
        if not wait_dots(3):
            return f'no progress before the switch to {accel}'
        r = cmd('x-accel-switch', accel=accel)
        if r != {'return': {}}:
            return f'x-accel-switch {accel}: {r}'
        r = cmd('query-kvm')['return']
        if r['enabled'] != (accel == 'kvm') or not r['present']:
            return f'query-kvm after the switch to {accel}: {r}'
        r = cmd('human-monitor-command',
                **{'command-line': 'info accel'})['return']
        if r.strip() != f'accelerator: {accel}':
            return f'info accel after the switch to {accel}: {r!r}'
    if not wait_dots(3):
        return 'no progress after the last switch'
    r = cmd('x-accel-switch', accel='nosuch')
    if 'error' not in r or 'nosuch' not in r['error']['desc']:
        return f'x-accel-switch nosuch: {r}'
    cmd('human-monitor-command', **{'command-line': 'sendkey a'})
    return None


if __name__ == '__main__':
    main()
