#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# -d in_asm,out_asm -D FILE on a tiny BIOS image (at the reset
# vector: mov al, 0; out 0xf4, al, which ends the run through
# isa-debug-exit): the log holds the guest instructions in the documented
# in_asm format, and each block's host code (out_asm) as Capstone's
# disassembly, one instruction per line, whose byte counts add up to the
# size the header gives.
# Usage: test-log.py PATH-TO-KESTREL.

import os
import re
import subprocess
import sys
import tempfile

RESET = bytes([0xb0, 0x00, 0xe6, 0xf4])       # mov al, 0; out 0xf4, al
IN_ASM = re.compile(r'^0x[0-9a-f]{8}: ([0-9a-f]{2} )*[0-9a-f]{2}  \S')
OUT_HEAD = re.compile(r'^OUT: guest 0x([0-9a-f]+), (\d+) bytes at 0x[0-9a-f]+$')
OUT_LINE = re.compile(r'^0x[0-9a-f]+: ((?:[0-9a-f]{2} )*[0-9a-f]{2})  \S')


def main():
    kestrel = sys.argv[1]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        bios = os.path.join(tmp, 'bios.bin')
        image = bytearray(b'\xf4' * 65536)
        image[0xfff0:0xfff0 + len(RESET)] = RESET
        with open(bios, 'wb') as f:
            f.write(image)
        log = os.path.join(tmp, 'log.txt')
        r = subprocess.run([kestrel, '-accel', 'tcg', '-display', 'none',
                            '-nodefaults', '-m', '16', '-bios', bios,
                            '-device', 'isa-debug-exit,iobase=0xf4,iosize=1',
                            '-d', 'in_asm,out_asm', '-D', log],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=60)
        # isa-debug-exit: status (0 << 1) | 1
        if r.returncode != 1:
            print('FAIL: exit status %d, stderr: %s' % (r.returncode, r.stderr))
            return 1
        lines = open(log).read().splitlines()

    want = '0xfffffff0: b0 00  mov al, 0'
    if want not in lines:
        print('FAIL: in_asm line %r missing' % want)
        failed += 1
    heads = [i for i, l in enumerate(lines) if l.startswith('OUT: ')]
    if not heads or not lines[heads[0]].startswith('OUT: guest 0xfffffff0,'):
        print('FAIL: no out_asm block for the reset vector')
        return 1
    for i in heads:
        m = OUT_HEAD.match(lines[i])
        if not m:
            print('FAIL: bad out_asm header %r' % lines[i])
            failed += 1
            continue
        size, n = int(m.group(2)), 0
        for line in lines[i + 1:]:
            code = OUT_LINE.match(line)
            if not code:
                break
            n += len(code.group(1).split())
        if n != size or size == 0:
            print('FAIL: block at 0x%s: %d bytes listed, header says %d'
                  % (m.group(1), n, size))
            failed += 1
    if not any(IN_ASM.match(l) for l in lines):
        print('FAIL: no in_asm line')
        failed += 1
    print('%d out_asm blocks checked' % len(heads))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
