#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The GDB stub driven by raw remote-protocol packets (python sockets), for
# what a gdb batch script cannot show: the gdbproto BIOS
# (tests/functional/gdbguest/gdbproto.asm) on -cpu qemu64 -smp 2 behind
# -gdb unix:PATH,server=on -S. Checks qSupported, the x86-64 target
# description (and i386 on -cpu qemu32 over TCP), one thread per
# vCPU, -s, Hg, G/P, M/m and X with escaped binary bytes, malformed packets
# (checksum, over-long, bad hex, unknown: '-', 'E', ''), Z0/Z1/Z2/Z3/Z4
# with their T stop reasons (swbreak, hwbreak, watch, rwatch, awatch),
# vCont steps that stay on the code while IRQ 0 is pending (interrupts
# masked while stepping, as QEMU's default sstep flags do), the same
# 'g' layout before and after the guest enters long mode, Ctrl-C, qRcmd,
# D and a second connection that ends the VM with k. Then Debian's gdb
# (when installed) attaches at reset, steps the NOPs with stepi while IRQ 0
# is pending, and continues to a breakpoint in 64-bit code in the same
# session: the x86-64 description holds from reset through long mode.
# With --qemu the same runs against qemu-system-x86_64 (ref-gdbstub), less
# what is Kestrel's own (swbreak/hwbreak, the register count, the i386
# description, the answers to malformed packets): the steps with IRQ 0
# pending show that QEMU masks interrupts while stepping too.
# usage: test-gdbstub.py [--qemu] BINARY GDBPROTO.bin
import os
import shutil
import traceback
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

TICKS, WVAR, RVAR, AVAR = 0x1000, 0x1010, 0x1020, 0x1030
QEMU = False                            # --qemu: the reference's run
LABELS = ['sti_insn', 'step_nops', 'store_insn', 'load_insn', 'rmw_insn',
          'hwbp_here', 'lm_here', 'spin']


def checksum(data):
    return sum(data) & 0xff


class Gdb:
    def __init__(self, family, addr, proc):
        self.sock = guestlib.connect_retry(family, addr, proc)
        self.buf = b''

    def byte(self):
        while not self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError('stub closed the connection')
            self.buf += data
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def ack(self):
        c = self.byte()
        assert c in b'+-', f'expected an ack, got {c!r}'
        return c

    def raw(self, data):
        self.sock.sendall(data)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.raw(b'$%s#%02x' % (data, checksum(data)))
        c = self.ack()
        assert c == b'+', f'{data[:40]!r}: nack'

    def recv(self):
        while self.byte() != b'$':
            pass
        body = b''
        while (c := self.byte()) != b'#':
            body += c
        cs = int(self.byte() + self.byte(), 16)
        assert cs == checksum(body), f'bad checksum in reply {body!r}'
        self.raw(b'+')
        out, i = b'', 0
        while i < len(body):                # '}' escapes
            if body[i:i + 1] == b'}':
                out += bytes([body[i + 1] ^ 0x20])
                i += 2
            else:
                out += body[i:i + 1]
                i += 1
        return out.decode('latin-1')

    def cmd(self, data):
        self.send(data)
        return self.recv()


def stop_fields(reply, sig='05'):
    assert reply.startswith('T' + sig), f'stop reply {reply!r}'
    return dict(f.split(':', 1) for f in reply[3:].split(';') if f)


def read_xml(g, piece):
    xml, off = '', 0
    while True:
        r = g.cmd(f'qXfer:features:read:target.xml:{off:x},{piece:x}')
        xml += r[1:]
        off += len(r) - 1
        if r[0] == 'l':
            return xml
        assert r[0] == 'm', f'qXfer piece {r[:10]!r}'


def start(argv):
    return subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def check_i386_description(kestrel):
    """On -cpu qemu32, over TCP: -s (tcp::1234) when that port is free
    here, else -gdb tcp::PORT."""
    with socket.socket() as s:
        try:
            s.bind(('', 1234))
            port, gdb_opt = 1234, ['-s']
        except OSError:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
            gdb_opt = ['-gdb', f'tcp:127.0.0.1:{port}']
    proc = start([kestrel, '-display', 'none', '-nodefaults', '-cpu',
                  'qemu32', '-S'] + gdb_opt)
    try:
        g = Gdb(socket.AF_INET, ('127.0.0.1', port), proc)
        xml = read_xml(g, 0xffff)       # cut to the PacketSize
        assert "<architecture>i386</architecture>" in xml, xml[:300] + \
            'qemu32: the i386 description'
        assert xml.count('<reg ') == 41, 'i386: 41 registers'
        regs = g.cmd('g')
        assert len(regs) == 2 * (16 * 4 + 8 * 10 + 8 * 4 + 8 * 16 + 4)
        assert struct.unpack_from('<I', bytes.fromhex(regs), 32)[0] == 0xfff0
        g.send('k')
        assert proc.wait(timeout=10) == 0, 'k ends the VM'
    finally:
        if proc.poll() is None:
            proc.kill()


def malformed(g):
    """The protocol's answers to bad packets: '-', 'E NN' or ''."""
    assert g.cmd('M500,2:zz11').startswith('E'), 'M bad hex'
    assert g.cmd('M500,2:11').startswith('E'), 'M short data'
    assert g.cmd('mzz,4').startswith('E'), 'm bad address'
    assert g.cmd('P10=xyz').startswith('E'), 'P bad hex'
    assert g.cmd('p999').startswith('E'), 'p no such register'
    assert g.cmd('G' + 'q' * 16).startswith('E'), 'G bad hex'
    assert g.cmd('Z9,0,1') == '', 'unknown breakpoint type'
    assert g.cmd('vNoSuchThing') == '' and g.cmd('Qfoo') == '', 'unknown'
    assert g.cmd('vCont;x').startswith('E'), 'vCont bad action'
    assert g.cmd('vCont;s:9').startswith('E'), 'vCont no such thread'
    g.raw(b'$m500,4#00')
    assert g.ack() == b'-', 'bad checksum: -'
    big = b'm' + b'0' * 9000
    g.raw(b'$%s#%02x' % (big, checksum(big)))
    assert g.ack() == b'-', 'over-long packet: -'
    g.raw(b'$m500,4#zz')
    assert g.ack() == b'-', 'non-hex checksum: -'
    r = g.cmd('m500,4')
    assert r == '23247d2a', f'the stub answers after bad packets: {r!r}'


def session(g):
    def mem(addr, n):
        r = g.cmd(f'm{addr:x},{n:x}')
        assert len(r) == 2 * n, f'm{addr:x}: {r!r}'
        return bytes.fromhex(r)

    def u32(addr):
        return struct.unpack('<I', mem(addr, 4))[0]

    def reg(n):
        return int.from_bytes(bytes.fromhex(g.cmd(f'p{n:x}')), 'little')

    def rip():
        return reg(16)

    def cont_to(packet='vCont;c'):
        g.send(packet)
        return stop_fields(g.recv())

    r = g.cmd('qSupported:swbreak+;hwbreak+;vContSupported+')
    for want in ['PacketSize=', 'qXfer:features:read+', 'vContSupported+'] + \
            ([] if QEMU else ['swbreak+', 'hwbreak+']):
        assert want in r, f'qSupported: {want} in {r!r}'
    assert g.cmd('vCont?') == 'vCont;c;C;s;S'
    assert stop_fields(g.cmd('?'))['thread'] == '01', '? names thread 1'
    xml = read_xml(g, 0x100)
    assert '<architecture>i386:x86-64</architecture>' in xml, 'x86-64'
    assert QEMU or xml.count('<reg ') == 57, 'x86-64: 57 registers'
    assert QEMU or 'org.gnu.gdb.i386.sse' in xml   # QEMU: xi:include
    threads, r = [], g.cmd('qfThreadInfo')
    while r.startswith('m'):
        threads += r[1:].split(',')
        r = g.cmd('qsThreadInfo')
    assert r == 'l' and threads == ['01', '02'], 'one thread per vCPU'
    assert g.cmd('qC') == 'QC01'
    assert g.cmd('qAttached') == '1'
    regs = g.cmd('g')
    glen = len(regs)
    assert QEMU or \
        glen == 2 * (16 * 8 + 8 + 4 * 7 + 8 * 10 + 8 * 4 + 16 * 16 + 4)
    assert rip() == 0xfff0, 'reset: rip 0xfff0'
    assert g.cmd('P0=' + '7856341200000000') == 'OK' and \
        reg(0) == 0x12345678, 'P sets rax'
    assert g.cmd('P0=' + '0' * 16) == 'OK'
    if not QEMU:        # QEMU's G does not take its own g back unharmed
        assert g.cmd('G' + '34120000' + '0' * 8 + regs[16:]) == 'OK'
        assert reg(0) == 0x1234 and g.cmd('g')[16:] == regs[16:], 'G'
        assert g.cmd('G' + regs) == 'OK' and g.cmd('g') == regs, 'G back'
    assert g.cmd('Hg2') == 'OK' and len(g.cmd('g')) == glen
    assert g.cmd('Hg1') == 'OK'

    # memory: hex and binary writes, then the protocol's errors
    assert g.cmd('M500,4:deadbeef') == 'OK'
    assert mem(0x500, 4) == bytes.fromhex('deadbeef')
    r = g.cmd(b'X500,5:}\x03}\x04}]}\x0a\x00')
    if QEMU:                            # QEMU 7.2 has no X: '' (gdb uses M)
        assert r == '', f'X on QEMU: {r!r}'
        assert g.cmd('M500,5:23247d2a00') == 'OK'
    else:
        assert r == 'OK', f'X escapes: {r!r}'
        assert g.cmd('X500,0:') == 'OK', 'X probe'
    assert mem(0x500, 5) == b'#$}*\x00', 'X wrote the unescaped bytes'
    if not QEMU:
        malformed(g)
    labels = dict(zip(LABELS, struct.unpack('<8I', mem(0xf0000, 32))))
    session.labels = labels

    # Z0 at STI (IRQ 0 pending, IF = 0), then steps over STI and NOPs
    assert g.cmd(f'Z0,{lab(labels, "sti_insn")},1') == 'OK'
    f = cont_to()
    assert f.get('thread') == '01' and ('swbreak' in f or QEMU), \
        f'Z0 stop {f}'
    assert rip() == labels['sti_insn'], 'stopped at sti_insn'
    assert g.cmd(f'z0,{lab(labels, "sti_insn")},1') == 'OK'
    assert g.cmd(f'z0,{lab(labels, "sti_insn")},1').startswith('E')
    for i in range(6):
        f = cont_to('vCont;s:1;c')
        assert f.get('thread') == '01' and 'swbreak' not in f, f
        assert rip() == labels['step_nops'] + i, \
            f'step {i}: rip {rip():#x}, want {labels["step_nops"] + i:#x}'
        assert reg(17) & 0x200, 'IF set after STI'
        assert u32(TICKS) == 0, f'step {i}: the timer handler ran'
    g.send('s')
    stop_fields(g.recv())
    assert rip() == labels['step_nops'] + 6, 's steps one instruction'

    # watchpoints: write, read, access, each with its stop reason
    for ztype, var, kind, after in [(2, WVAR, 'watch', 'load_insn'),
                                    (3, RVAR, 'rwatch', 'rmw_insn'),
                                    (4, AVAR, 'awatch', 'hwbp_here')]:
        assert g.cmd(f'Z{ztype},{var:x},4') == 'OK'
        f = cont_to()
        assert int(f.get(kind, '-1'), 16) == var, f'Z{ztype}: {f}'
        assert rip() == labels[after], f'Z{ztype}: stops after the access'
        assert g.cmd(f'z{ztype},{var:x},4') == 'OK'
    assert u32(TICKS) == 1, 'the pending IRQ 0 ran once stepping ended'
    assert u32(WVAR) == 0x1234 and u32(AVAR) == 1

    # Z1 hardware breakpoint
    assert g.cmd(f'Z1,{lab(labels, "hwbp_here")},1') == 'OK'
    f = cont_to()
    assert ('hwbreak' in f or QEMU) and rip() == labels['hwbp_here'], \
        f'Z1: {f}'
    assert g.cmd(f'z1,{lab(labels, "hwbp_here")},1') == 'OK'

    # long mode: the same layout, 64-bit values
    assert g.cmd(f'Z0,{lab(labels, "lm_here")},1') == 'OK'
    f = cont_to('c')
    assert ('swbreak' in f or QEMU) and rip() == labels['lm_here'], \
        f'lm: {f}'
    assert len(g.cmd('g')) == glen, 'the g layout holds in long mode'
    assert reg(0) == 0x1122334455667788, 'rax in full in 64-bit code'
    assert g.cmd(f'z0,{lab(labels, "lm_here")},1') == 'OK'

    # Ctrl-C while the guest spins
    g.send('vCont;c')
    time.sleep(0.3)
    g.raw(b'\x03')
    f = stop_fields(g.recv(), '02')     # SIGINT, as QEMU
    assert f.get('thread') == '01' and 'swbreak' not in f, f'Ctrl-C: {f}'
    assert labels['spin'] <= rip() < labels['spin'] + 8, 'stopped in spin'

    # qRcmd: monitor output in O packets, then OK
    g.send('qRcmd,' + b'info status'.hex())
    out = ''
    while (r := g.recv()) != 'OK':
        assert r.startswith('O'), f'qRcmd: {r!r}'
        out += bytes.fromhex(r[1:]).decode()
    assert out.strip() == 'VM status: paused', f'qRcmd: {out!r}'
    assert g.cmd('D') == 'OK'


GDB_SCRIPT = '''\
set pagination off
set confirm off
set remotetimeout 20
target remote {sock}
show architecture
printf "START pc=%#x\\n", $pc
break *{sti:#x}
continue
stepi
stepi
stepi
printf "STEP pc=%#x ticks=%d\\n", $pc, *(int*){ticks:#x}
break *{lm:#x}
continue
printf "LM pc=%#x rax=%#lx ticks=%d\\n", $pc, $rax, *(int*){ticks:#x}
kill
'''


def gdb_session(kestrel, image, tmp, labels):
    if not shutil.which('gdb'):
        print('gdb not installed (Debian package gdb): its session skipped')
        return
    path = os.path.join(tmp, 'gdb2.sock')
    cmds = os.path.join(tmp, 'cmds.gdb')
    with open(cmds, 'w') as f:
        f.write(GDB_SCRIPT.format(sock=path, sti=labels['sti_insn'],
                                  lm=labels['lm_here'], ticks=TICKS))
    proc = start([kestrel, '-display', 'none', '-nodefaults', '-cpu',
                  'qemu64', '-m', '16', '-bios', image,
                  '-gdb', f'unix:{path},server=on,wait=off', '-S'])
    try:
        for _ in range(100):
            if os.path.exists(path):
                break
            time.sleep(0.1)
        r = subprocess.run(['gdb', '-nx', '-batch', '-x', cmds],
                           capture_output=True, text=True, timeout=60)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = r.stdout + r.stderr
    want = [('i386:x86-64', 'gdb takes the x86-64 description'),
            ('START pc=0xfff0', 'gdb attaches at the reset vector'),
            ('STEP pc=%#x ticks=0\n' % (labels['step_nops'] + 2),
             'three stepi: STI and two NOPs, no interrupt taken'),
            ('LM pc=%#x rax=0x1122334455667788 ticks=1\n' %
             labels['lm_here'], 'long mode in the same gdb session')]
    for text, what in want:
        assert text in out, f'{what}: no {text!r} in\n{out}'


def lab(labels, name):
    return f'{labels[name]:x}'


def main():
    global QEMU
    args = sys.argv[1:]
    QEMU = args[0] == '--qemu'
    kestrel, image = args[-2:]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'gdb.sock')
        argv = [kestrel, '-display', 'none', '-nodefaults', '-cpu', 'qemu64',
                '-smp', '2', '-m', '16', '-bios', image,
                '-gdb', f'unix:{path},server=on', '-S']
        proc = start(argv)
        try:
            g = Gdb(socket.AF_UNIX, path, proc)
            session(g)
            g.sock.close()
            g = Gdb(socket.AF_UNIX, path, proc)     # the VM runs on
            time.sleep(0.5)             # QEMU may send a stale reply first
            g.sock.setblocking(False)
            try:
                while g.sock.recv(4096):
                    pass
            except BlockingIOError:
                pass
            g.sock.settimeout(20)
            assert g.cmd('?').startswith('T05'), 'a second connection stops'
            g.send('k')
            assert proc.wait(timeout=10) == 0, 'k ends the VM'
            if not QEMU:
                check_i386_description(kestrel)
            gdb_session(kestrel, image, tmp, session.labels)
        except (AssertionError, OSError, EOFError) as e:
            failures.append(traceback.format_exc())
        finally:
            if proc.poll() is None:
                proc.kill()
            out = proc.communicate()[0]
    if failures:
        print('FAIL:', '; '.join(failures))
        print('--- kestrel output ---\n' + out)
        print('command line:', ' '.join(argv))
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
