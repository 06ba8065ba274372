#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The human monitor over TCP (python sockets) on the pc board running
# SeaBIOS: info registers/pci/mtree/status, xp at the reset vector,
# stop/cont seen by info status, sendkey, screendump to a PPM file,
# system_reset, malformed commands (an error line, the session goes on)
# and quit.
# usage: test-hmp.py KESTREL
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

PROMPT = b'(qemu) '


class Hmp:
    def __init__(self, port, proc):
        self.proc = proc
        deadline = time.monotonic() + 20
        while True:
            try:
                self.sock = socket.create_connection(('127.0.0.1', port))
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(20)
        self.buf = b''
        self.read_prompt()

    def read_prompt(self):
        while not self.buf.endswith(PROMPT):
            data = self.sock.recv(65536)
            if not data:
                raise EOFError('monitor closed; got %r' % self.buf[-200:])
            self.buf += data
        text, self.buf = self.buf[:-len(PROMPT)], b''
        return text.decode(errors='replace').replace('\r', '')

    def cmd(self, line):
        self.sock.sendall(line.encode() + b'\n')
        out = self.read_prompt()
        if out.startswith(line):            # an echoed command line
            out = out[len(line):]
        return out.strip('\n')


def main():
    kestrel = sys.argv[1]
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    argv = [kestrel, '-display', 'none', '-m', '32', '-monitor',
            f'tcp:127.0.0.1:{port},server=on,wait=off']
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    log = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            mon = Hmp(port, proc)

            def run(line):
                out = mon.cmd(line)
                log.append(f'(qemu) {line}\n{out}')
                return out

            out = run('info status')
            assert out == 'VM status: running', out
            out = run('info registers')
            assert re.search(r'EAX=[0-9a-f]{8}', out) and 'EIP=' in out \
                and 'CR0=' in out, 'info registers'
            out = run('info pci')
            assert '8086:1237' in out.lower().replace(' ', '') or \
                re.search(r'(?i)8086.*1237', out), 'info pci: i440FX'
            assert re.search(r'(?i)1234.*1111', out), 'info pci: VGA'
            out = run('info mtree')
            assert re.search(r'(?i)ram', out) and re.search(r'(?i)io', out), \
                'info mtree'
            out = run('xp /8xb 0xffff0')
            assert re.match(r'0*ffff0:(\s+0x[0-9a-f]{2}){8}\s*$', out), out
            assert out.split()[1] == '0xea', 'reset vector: a far jmp'
            assert run('stop') == ''
            assert run('info status') == 'VM status: paused'
            assert run('cont') == ''
            assert run('info status') == 'VM status: running'
            run('sendkey a')
            run('sendkey ctrl-alt-delete')
            ppm = os.path.join(tmp, 'screen.ppm')
            run(f'screendump {ppm}')
            with open(ppm, 'rb') as f:
                head = f.read(64)
            m = re.match(rb'P6\s+(\d+)\s+(\d+)\s+255\s', head)
            assert m, 'screendump: PPM header %r' % head[:20]
            w, h = int(m.group(1)), int(m.group(2))
            assert os.path.getsize(ppm) >= w * h * 3, 'screendump: size'
            assert run('system_reset') == ''
            assert run('info status') == 'VM status: running'
            for bad in ['no_such_command', 'xp /8xq 0', 'xp',
                        'info no_such_thing', 'sendkey not-a-key',
                        'screendump', 'x /zz 0x0']:
                out = run(bad)
                assert out and '\n' not in out.strip(), \
                    f'{bad!r}: one error line, got {out!r}'
            assert run('info status') == 'VM status: running', \
                'the session goes on after errors'
            mon.sock.sendall(b'quit\n')
            assert proc.wait(timeout=10) == 0, 'quit: exit status'
    except (AssertionError, OSError, EOFError) as e:
        print('FAIL:', e)
        print('--- monitor session ---\n' + '\n'.join(log))
        if proc.poll() is None:
            proc.kill()
        print('--- kestrel output ---\n' +
              proc.communicate()[0].decode(errors='replace'))
        print('command line:', ' '.join(argv))
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
