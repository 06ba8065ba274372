#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The human monitor through socat, as a user reaches it, on the pc board
# running SeaBIOS: -monitor tcp (every command of issue 11: info
# registers/cpus/pci/mtree/block/network/status, x and xp, stop/cont,
# sendkey, screendump to a PPM file, system_powerdown, system_reset,
# gdbserver answered by a GDB packet, malformed commands that print one
# error line while the session goes on, quit), then -monitor unix,
# -monitor stdio and the -nographic mux reached with Ctrl-A c (each: info
# status, info registers, stop, quit) on a terminal that socat provides.
# With --qemu the same runs against qemu-system-x86_64 (ref-hmp), with the
# few texts that differ relaxed (info cpus, the error lines).
# usage: test-hmp.py [--qemu] BINARY
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PROMPT = '(qemu) '
QEMU = False                            # --qemu: the reference's run
ANSI = re.compile(r'\x1b(\[[0-9;?]*[A-Za-z]|c)')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Hmp:
    """socat - ADDRESS: what is typed goes to its stdin."""

    def __init__(self, address, log):
        self.socat = subprocess.Popen(['socat', '-', address],
                                      stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT)
        self.buf = ''
        self.log = log

    def read_until(self, pattern, timeout=20):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.buf):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f'no {pattern!r}; got {self.buf[-300:]!r}')
            r, _, _ = select.select([self.socat.stdout], [], [], left)
            data = os.read(self.socat.stdout.fileno(), 65536) if r else b''
            if r and not data:
                raise EOFError(f'socat ended; got {self.buf[-300:]!r}')
            self.buf += ANSI.sub('', data.decode(errors='replace')
                                 ).replace('\r', '')
        m = re.search(pattern, self.buf)
        text, self.buf = self.buf[:m.start()], self.buf[m.end():]
        return text

    def type(self, text):
        self.socat.stdin.write(text.encode())
        self.socat.stdin.flush()

    def cmd(self, line, eol='\n'):
        self.type(line + eol)
        out = self.read_until(re.escape(PROMPT) + '$')
        first, _, rest = out.partition('\n')
        if first.endswith(line):            # the echoed command line
            out = rest
        out = out.strip('\n')
        self.log.append(f'{PROMPT}{line}\n{out}')
        return out

    def close(self):
        if self.socat.poll() is None:
            self.socat.kill()
        self.socat.wait()


def start(argv):
    return subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def wait_listen(family, addr, proc):
    deadline = time.monotonic() + 20
    while True:
        with socket.socket(family) as s:
            try:
                s.connect(addr)
                return
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)


def gdb_probe(port):
    """One '?' packet to the server that gdbserver started: its stop reply."""
    with socket.create_connection(('127.0.0.1', port), timeout=20) as s:
        s.sendall(b'$?#3f')
        data = b''
        while b'#' not in data[data.find(b'$'):] or data.find(b'$') < 0:
            data += s.recv(4096)
        return data


def full_session(mon, tmp, img):
    out = mon.cmd('info status')
    assert out == 'VM status: running', out
    out = mon.cmd('info registers')
    assert re.search(r'EAX=[0-9a-f]{8}', out) and 'EIP=' in out and \
        'CR0=' in out, 'info registers'
    out = mon.cmd('info cpus')
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith('* CPU #0:') and \
        lines[1].startswith('  CPU #1:'), f'info cpus: {out!r}'
    assert all(re.search(r'thread_id=\d+', l) for l in lines), out
    assert QEMU or all(re.search(r'pc=0x[0-9a-f]{16}', l) for l in lines)
    out = mon.cmd('info pci')
    assert re.search(r'(?i)8086.*1237', out), 'info pci: i440FX'
    assert re.search(r'(?i)1234.*1111', out), 'info pci: VGA'
    assert re.search(r'(?i)8086.*100e', out), 'info pci: e1000'
    out = mon.cmd('info mtree')
    assert re.search(r'(?i)ram', out) and re.search(r'(?i)io', out), \
        'info mtree'
    out = mon.cmd('info block')
    assert re.match(rf'ide0-hd0( \(#\w+\))?: {re.escape(img)} \(raw\)',
                    out), f'info block: {out!r}'
    out = mon.cmd('info network')
    assert re.search(r'^e1000\S*: index=0,type=nic,model=e1000', out, re.M) \
        and re.search(r'^ \\ n0: index=0,type=user', out, re.M), \
        f'info network: {out!r}'
    out = mon.cmd('xp /8xb 0xffff0')
    assert re.match(r'0*ffff0:(\s+0x[0-9a-f]{2}){8}\s*$', out), out
    assert out.split()[1] == '0xea', 'reset vector: a far jmp'
    phys = mon.cmd('xp /2xg 0xffff0').split(':', 1)[1].split()
    virt = mon.cmd('x /2xg 0xffff0').split(':', 1)[1].split()
    assert phys == virt and len(phys) == 2, 'x = xp with paging off'
    assert mon.cmd('stop') == ''
    assert mon.cmd('info status') == 'VM status: paused'
    assert mon.cmd('cont') == ''
    assert mon.cmd('info status') == 'VM status: running'
    assert mon.cmd('sendkey a') == ''
    assert mon.cmd('sendkey ctrl-alt-delete') == ''
    ppm = os.path.join(tmp, 'screen.ppm')
    assert mon.cmd(f'screendump {ppm}') == ''
    with open(ppm, 'rb') as f:
        m = re.match(rb'P6\s+(\d+)\s+(\d+)\s+255\s', f.read(64))
    assert m, 'screendump: a PPM header'
    assert os.path.getsize(ppm) >= int(m.group(1)) * int(m.group(2)) * 3
    assert mon.cmd('system_powerdown') == ''
    assert mon.cmd('system_reset') == ''
    assert mon.cmd('info status') == 'VM status: running'
    port = free_port()
    out = mon.cmd(f'gdbserver tcp:127.0.0.1:{port}')
    assert out == f"Waiting for gdb connection on device " \
        f"'tcp:127.0.0.1:{port}'", out
    reply = gdb_probe(port)
    # a stop reply (QEMU: T02 after the attach, without the '+')
    assert re.match(rb'\+?\$T0[25]thread:', reply), f'gdbserver: {reply!r}'
    for bad in ['no_such_command', 'xp /8xq 0', 'xp', 'info no_such_thing',
                'sendkey not-a-key', 'screendump', 'x /zz 0x0']:
        out = mon.cmd(bad)
        assert out and (QEMU or '\n' not in out.strip()), \
            f'{bad!r}: one error line, got {out!r}'
    out = mon.cmd('info status')
    # QEMU leaves the VM stopped when the gdb client goes without D
    assert out == ('VM status: paused' if QEMU else 'VM status: running'), \
        f'the session goes on after errors (and the gdb client left): {out}'


def short_session(mon, eol='\n'):
    out = mon.cmd('info status', eol)
    assert out == 'VM status: running', f'info status: {out!r}'
    out = mon.cmd('info registers', eol)
    assert 'EIP=' in out and 'CR0=' in out, f'info registers: {out!r}'
    out = mon.cmd('stop', eol)
    assert out == '', f'stop: {out!r}'
    out = mon.cmd('info status', eol)
    assert out == 'VM status: paused', f'info status: {out!r}'
    mon.type('quit' + eol)


def run(name, kestrel, tmp, img, log):
    base = [kestrel, '-m', '32']
    if name == 'tcp':
        port = free_port()
        proc = start(base + ['-display', 'none', '-smp', '2',
                             '-drive', f'file={img},format=raw,if=ide',
                             '-netdev', 'user,id=n0',
                             '-device', 'e1000,netdev=n0', '-monitor',
                             f'tcp:127.0.0.1:{port},server=on,wait=off'])
        wait_listen(socket.AF_INET, ('127.0.0.1', port), proc)
        mon = Hmp(f'TCP:127.0.0.1:{port}', log)
    elif name == 'unix':
        path = os.path.join(tmp, 'hmp.sock')
        proc = start(base + ['-display', 'none', '-monitor',
                             f'unix:{path},server=on,wait=off'])
        wait_listen(socket.AF_UNIX, path, proc)
        mon = Hmp(f'UNIX-CONNECT:{path}', log)
    else:                               # stdio, mux: socat runs Kestrel
        opts = (['-display', 'none', '-monitor', 'stdio'] if name == 'stdio'
                else ['-nographic', '-nic', 'none'])
        proc = None
        mon = Hmp('EXEC:' + ' '.join(base + opts) + ',pty,raw,echo=0', log)
    try:
        if name == 'mux':
            # the serial console first, to SeaBIOS's last word (it then
            # waits 60 s before it tries again)
            out = mon.read_until('No bootable device')
            assert 'SeaBIOS' in out and PROMPT not in out + mon.buf, \
                'no monitor before Ctrl-A c'
            mon.type('\x01c')
            mon.read_until(r'monitor.*help.*\n' + re.escape(PROMPT))
        else:
            mon.read_until(r'monitor.*help.*\n' + re.escape(PROMPT))
        if name == 'tcp':
            full_session(mon, tmp, img)
            mon.type('quit\n')
        else:
            short_session(mon, '\r' if name in ('stdio', 'mux') else '\n')
        if proc:
            assert proc.wait(timeout=10) == 0, f'{name}: quit: exit status'
        else:
            assert mon.socat.wait(timeout=10) == 0, f'{name}: quit ends it'
    finally:
        mon.close()
        if proc and proc.poll() is None:
            proc.kill()
        if proc:
            proc.communicate()


def main():
    global QEMU
    QEMU = sys.argv[1] == '--qemu'
    binary = sys.argv[-1]
    kestrel = shutil.which(binary) if QEMU else os.path.abspath(binary)
    if not shutil.which('socat'):
        print('SKIP: socat not installed (scripts/install-deps)')
        sys.exit(77)
    failures = []
    log = []
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, 'disk.img')
        with open(img, 'wb') as f:
            f.truncate(1 << 20)
        for name in ['tcp', 'unix', 'stdio', 'mux']:
            log.append(f'--- -monitor {name} ---')
            try:
                run(name, kestrel, tmp, img, log)
            except (AssertionError, OSError, EOFError, TimeoutError,
                    subprocess.TimeoutExpired) as e:
                failures.append(f'{name}: {type(e).__name__}: {e}')
    if failures:
        print('FAIL:', '; '.join(failures))
        print('--- monitor sessions ---\n' + '\n'.join(log))
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
