#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The GDB stub driven by Debian's gdb in batch mode: Kestrel runs the
# gdbguest BIOS (tests/functional/gdbguest/gdbguest.asm) stopped at reset
# (-gdb tcp::PORT -S); gdb loads the ELF built from the same source for its
# symbols, breaks at add_one, steps one instruction, reads the registers
# (the x87 stack included), writes EAX after the add, watches the counter the guest
# stores, reads and writes memory, runs `monitor info status` (qRcmd) and
# lets the guest run to isa-debug-exit with an exit code gdb wrote.
# usage: test-gdb.py KESTREL GUEST.elf GUEST.bin [ACCEL]
# ACCEL kvm: the same session under -accel kvm (KVM_SET_GUEST_DEBUG: the
# breakpoint in a debug register, stepi by KVM's single-step), skipped
# where /dev/kvm cannot be opened. There a hardware breakpoint (hbreak) at
# after_store stands in for the watchpoint: kvm_pvm, the only KVM this was
# run on, runs this paging-off code in its instruction emulator, which
# ignores data breakpoints (docs/kvm.md).
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

COUNTER = 0x1000
EXIT_CODE = 0x1004


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def symbols(elf):
    out = subprocess.run(['nm', elf], capture_output=True, text=True,
                         check=True).stdout
    return {f[2]: int(f[0], 16) for f in (l.split() for l in out.splitlines())
            if len(f) == 3}


SCRIPT = '''\
set pagination off
set confirm off
set architecture i386
set remotetimeout 20
target remote 127.0.0.1:{port}
printf "START pc=%#x\\n", $pc
break add_one
continue
printf "BP pc=%#x eax=%#x ebx=%#x\\n", $pc, $eax, $ebx
info registers
stepi
printf "STEP pc=%#x eax=%#x\\n", $pc, $eax
printf "X87 st0=%f st1=%f fstat=%#x ftag=%#x\\n", $st0, $st1, $fstat, $ftag
set $eax = 41
printf "SET eax=%#x\\n", $eax
delete
{watch}
continue
printf "WATCH pc=%#x\\n", $pc
x/4xb {counter:#x}
set {{int}}{exit_code:#x} = 0x21
printf "MEM exit=%#x\\n", *(int*){exit_code:#x}
monitor info status
delete
continue
'''


def main():
    kestrel, elf, image = sys.argv[1:4]
    accel = sys.argv[4] if len(sys.argv) > 4 else 'tcg'
    if not shutil.which('gdb'):
        print('SKIP: gdb not installed (Debian package gdb)')
        sys.exit(77)
    if accel == 'kvm' and not os.access('/dev/kvm', os.R_OK | os.W_OK):
        print('SKIP: /dev/kvm cannot be opened here: no KVM to debug under')
        sys.exit(77)
    sym = symbols(elf)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        cmds = os.path.join(tmp, 'cmds.gdb')
        with open(cmds, 'w') as f:
            watch = (f'watch *(int*){COUNTER:#x}' if accel != 'kvm'
                     else 'hbreak after_store')
            f.write(SCRIPT.format(port=port, counter=COUNTER,
                                  exit_code=EXIT_CODE, watch=watch))
        # qemu32: the i386 description that this i386 ELF and gdb expect
        argv = [kestrel, '-accel', accel, '-cpu', 'qemu32', '-display',
                'none', '-nodefaults', '-bios', image,
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                '-gdb', f'tcp:127.0.0.1:{port}', '-S']
        vm = subprocess.Popen(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        try:
            gdb = subprocess.run(['gdb', '-nx', '-batch', '-x', cmds, elf],
                                 capture_output=True, text=True, timeout=60)
            status = vm.wait(timeout=20)
        finally:
            if vm.poll() is None:
                vm.kill()
            vm_out = vm.communicate()[0]
    out = gdb.stdout + gdb.stderr
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    def field(tag, name):
        m = re.search(rf'^{tag} .*\b{name}=(\S+)', out, re.M)
        return m.group(1) if m else None

    def num(tag, name):
        v = field(tag, name)
        return int(v, 16) if v else None

    check(num('START', 'pc') == 0xfff0, 'stopped at the reset vector')
    check(num('BP', 'pc') == sym['add_one'], 'breakpoint at add_one')
    check(re.search(r'Breakpoint 1, .*add_one', out), 'gdb names add_one')
    check(num('BP', 'eax') == 0 and num('BP', 'ebx') == 0,
          'first call: eax = ebx = 0')
    check(re.search(r'^eip\s+0x%x\s+0x%x <add_one>' % (
        sym['add_one'], sym['add_one']), out, re.M), 'info registers: eip')
    check(re.search(r'^cs\s+0x8\s', out, re.M), 'info registers: cs = 0x08')
    check(num('STEP', 'pc') == sym['add_one'] + 3,
          'stepi moved EIP by one 3-byte instruction')
    check(num('STEP', 'eax') == 1, 'stepi ran the add')
    check(field('X87', 'st0') and
          abs(float(field('X87', 'st0')) - 3.141593) < 1e-5,
          'x87: st0 = pi')
    check(field('X87', 'st1') == '1.000000', 'x87: st1 = 1')
    check(num('X87', 'fstat') == 0x3000, 'x87: TOP = 6 in fstat')
    check(num('X87', 'ftag') == 0x0fff, 'x87: two valid registers in ftag')
    check(num('SET', 'eax') == 41, 'set $eax')
    if accel == 'kvm':
        check(re.search(r'Hardware assisted breakpoint 2 at', out),
              'hbreak set')
    else:
        check(re.search(r'Hardware watchpoint 2: \*\(int\*\)0x1000\s+'
                        r'Old value = 0\s+New value = 41', out),
              'watchpoint on the store with old and new values')
    check(num('WATCH', 'pc') == sym['after_store'],
          'watchpoint stops after the storing instruction')
    check(re.search(r'^0x1000:\s+0x29\s+0x00\s+0x00\s+0x00', out, re.M),
          'x/4xb reads the counter')
    check(num('MEM', 'exit') == 0x21, 'set {int} writes memory')
    check('VM status: paused (debug)' in out, 'monitor info status (qRcmd)')
    check(status == (0x21 << 1) | 1,
          f'guest exit status {status}, want {(0x21 << 1) | 1} '
          '(the code gdb wrote)')
    if failures:
        print('FAIL:', '; '.join(failures))
        print('--- gdb output ---\n' + out)
        print('--- kestrel output ---\n' + vm_out)
        print('command line:', ' '.join(argv))
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
