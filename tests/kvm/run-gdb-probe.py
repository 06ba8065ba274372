#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# gdb-probe (tests/kvm/gdb-probe.c) on the host: Kestrel runs the gdbguest
# BIOS stopped (-S) with -gdb on a unix socket under ACCEL, the probe runs
# its fixed session, and the guest must then exit through isa-debug-exit
# with the code the probe wrote (0x21: status 0x43). Under kvm it skips
# where /dev/kvm cannot be opened, and passes --kvm-pvm where the KVM is
# kvm_pvm (/sys/module/kvm_pvm): no watchpoint there. The nested kvm-amd runs the same session
# (tests/kvm/nested-init.sh).
# usage: run-gdb-probe.py PROBE KESTREL GUEST.elf GUEST.bin tcg|kvm
import os
import subprocess
import sys
import tempfile
import time


def main():
    probe, kestrel, elf, image, accel = sys.argv[1:6]
    if accel == 'kvm' and not os.access('/dev/kvm', os.R_OK | os.W_OK):
        print('SKIP: /dev/kvm cannot be opened here')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'gdb.sock')
        argv = [kestrel, '-accel', accel, '-display', 'none', '-nodefaults',
                '-m', '16', '-bios', image,
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
                '-gdb', f'unix:{path},server=on', '-S']
        vm = subprocess.Popen(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        try:
            for _ in range(200):        # the socket appears at startup
                if os.path.exists(path) or vm.poll() is not None:
                    break
                time.sleep(0.05)
            pvm = (['--kvm-pvm'] if accel == 'kvm' and
                   os.path.isdir('/sys/module/kvm_pvm') else [])
            p = subprocess.run([probe] + pvm + [elf, 'unix:' + path],
                               capture_output=True, text=True, timeout=80)
            status = vm.wait(timeout=20)
        finally:
            if vm.poll() is None:
                vm.kill()
            vm_out = vm.communicate()[0]
    print(p.stdout + p.stderr, end='')
    if p.returncode != 0 or status != (0x21 << 1) | 1:
        print(f'FAIL: probe status {p.returncode}, guest status {status} '
              f'(want 0 and {(0x21 << 1) | 1})')
        print('--- kestrel output ---\n' + vm_out)
        print('command line:', ' '.join(argv))
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
