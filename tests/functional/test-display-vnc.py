#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# -display vnc=:N end to end with a small RFB 3.8 client (stdlib sockets):
# SeaBIOS's screen arrives at 720x400 and is not uniform; a protocol error
# drops the client and the server keeps going; key events reach the
# kbd-echo guest (tests/guest/kbd-echo.asm) as set 2 scancodes and pointer
# events as PS/2 mouse packets; incremental updates of a mode whose width
# is not a whole number of tiles (bootsect/vbe-1000.asm) match a full
# update; a bad display number is a clear error.
# Ref: RFC 6143.
# Usage: test-display-vnc.py KESTREL KBD_ECHO_BIN
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

TIMEOUT = 60
HERE = os.path.dirname(os.path.abspath(__file__))


def fail(msg, proc=None):
    print('FAIL: ' + msg)
    if proc is not None:
        proc.kill()
        out = proc.communicate()[0]
        print('kestrel output:\n' + out.decode(errors='replace'))
    sys.exit(1)


def free_display():
    for n in range(40, 90):
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', 5900 + n))
            return n
        except OSError:
            pass
        finally:
            s.close()
    fail('no free VNC port')


def recv_exact(s, n):
    data = b''
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError('server closed the connection')
        data += chunk
    return data


def connect(port, proc):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        if proc.poll() is not None:
            fail('kestrel exited with %d' % proc.returncode, proc)
        try:
            s = socket.create_connection(('127.0.0.1', port), timeout=TIMEOUT)
            return s
        except OSError:
            time.sleep(0.2)
    fail('cannot connect to port %d' % port, proc)


def handshake(s, encodings=(0, -223)):
    """RFB 3.8, security None; returns (width, height, name)."""
    ver = recv_exact(s, 12)
    if ver != b'RFB 003.008\n':
        raise ValueError('bad version %r' % ver)
    s.sendall(b'RFB 003.008\n')
    n = recv_exact(s, 1)[0]
    types = recv_exact(s, n)
    if 1 not in types:
        raise ValueError('no None security type: %r' % types)
    s.sendall(b'\x01')
    if struct.unpack('>I', recv_exact(s, 4))[0] != 0:
        raise ValueError('security result not OK')
    s.sendall(b'\x01')                          # ClientInit, shared
    w, h = struct.unpack('>HH', recv_exact(s, 4))
    pf = recv_exact(s, 16)
    if pf[0] != 32 or pf[3] != 1:
        raise ValueError('unexpected pixel format %r' % pf)
    name = recv_exact(s, struct.unpack('>I', recv_exact(s, 4))[0])
    s.sendall(struct.pack('>BBH', 2, 0, len(encodings)) +
              b''.join(struct.pack('>i', e) for e in encodings))
    return w, h, name


def zrle_update(s, w, h, z):
    """A full update in ZRLE (solid and raw tiles, 3-byte CPIXELs), as
    4-byte pixels like a Raw update; z is the connection's zlib stream."""
    s.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, w, h))
    fb = bytearray(w * h * 4)
    hdr = recv_exact(s, 4)
    for _ in range(struct.unpack('>H', hdr[2:])[0]):
        x, y, rw, rh, enc = struct.unpack('>HHHHi', recv_exact(s, 12))
        if enc == -223:
            w, h, fb = rw, rh, bytearray(rw * rh * 4)
            continue
        if enc != 16:
            raise ValueError('encoding %d, expected ZRLE' % enc)
        zrle_rect(s, z, fb, w, x, y, rw, rh)
    return w, h, fb


def zrle_rect(s, z, fb, w, x, y, rw, rh):
    """Read one ZRLE rectangle into fb (4-byte pixels, w wide)."""
    n = struct.unpack('>I', recv_exact(s, 4))[0]
    data = z.decompress(recv_exact(s, n))
    pos = 0
    for ty in range(0, rh, 64):
        for tx in range(0, rw, 64):
            tw, th = min(64, rw - tx), min(64, rh - ty)
            sub = data[pos]
            pos += 1
            if sub not in (0, 1):
                raise ValueError('unexpected subencoding %d' % sub)
            for py in range(th):
                for px in range(tw):
                    if sub == 1:
                        cp = data[pos:pos + 3]
                    else:
                        cp = data[pos + (py * tw + px) * 3:][:3]
                    o = ((y + ty + py) * w + x + tx + px) * 4
                    fb[o:o + 4] = cp + b'\0'
            pos += 3 if sub == 1 else tw * th * 3


def full_update(s, w, h, bpp=4):
    """Request a full update; return (width, height, pixel bytes)."""
    s.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, w, h))
    fb = bytearray(w * h * bpp)
    while True:
        hdr = recv_exact(s, 4)
        if hdr[0] != 0:
            raise ValueError('unexpected message %d' % hdr[0])
        nrects = struct.unpack('>H', hdr[2:])[0]
        got_pixels = False
        for _ in range(nrects):
            x, y, rw, rh, enc = struct.unpack('>HHHHi', recv_exact(s, 12))
            if enc == -223:
                w, h = rw, rh
                fb = bytearray(w * h * bpp)
                continue
            if enc != 0:
                raise ValueError('unexpected encoding %d' % enc)
            data = recv_exact(s, rw * rh * bpp)
            for row in range(rh):
                o = ((y + row) * w + x) * bpp
                fb[o:o + rw * bpp] = data[row * rw * bpp:(row + 1) * rw * bpp]
            got_pixels = True
        if got_pixels:
            return w, h, fb
        s.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, w, h))


def start(kestrel, args):
    return subprocess.Popen([kestrel, '-nodefaults', '-vga', 'std'] + args,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def test_seabios(kestrel):
    n = free_display()
    proc = start(kestrel, ['-display', 'vnc=127.0.0.1:%d' % n,
                           '-name', 'vnctest'])
    s = connect(5900 + n, proc)
    w, h, name = handshake(s)
    if name != b'vnctest':
        fail('desktop name %r, expected vnctest' % name, proc)
    # wait for SeaBIOS's text screen: 720x400, not uniform
    deadline = time.time() + TIMEOUT
    while True:
        w, h, fb = full_update(s, w, h)
        px = set(bytes(fb[i:i + 4]) for i in range(0, len(fb), 4 * 7))
        if (w, h) == (720, 400) and len(px) > 1:
            break
        if time.time() > deadline:
            fail('no 720x400 non-uniform screen (got %dx%d, %d colours)'
                 % (w, h, len(px)), proc)
        time.sleep(0.5)
    # a second client that sends garbage is dropped; the first goes on
    bad = connect(5900 + n, proc)
    recv_exact(bad, 12)
    bad.sendall(b'HELLO WORLD!')
    try:
        if bad.recv(100):
            fail('a bad ProtocolVersion was not refused', proc)
    except ConnectionResetError:
        pass
    bad.close()
    full_update(s, w, h)
    # RGB565 big-endian: 2 bytes a pixel, still not uniform
    c16 = connect(5900 + n, proc)
    handshake(c16)
    c16.sendall(struct.pack('>BxxxBBBBHHHBBBxxx', 0, 16, 16, 1, 1,
                            31, 63, 31, 11, 5, 0))
    _, _, fb16 = full_update(c16, w, h, 2)
    if len(set(bytes(fb16[i:i + 2]) for i in range(0, len(fb16), 14))) < 2:
        fail('16-bit picture is uniform', proc)
    c16.close()
    # ZRLE gives the same picture as Raw
    cz = connect(5900 + n, proc)
    handshake(cz, (16, -223))
    z = zlib.decompressobj()
    while True:
        _, _, raw = full_update(s, w, h)
        zw, zh, zfb = zrle_update(cz, w, h, z)
        if (zw, zh) == (w, h) and zfb == raw:
            break
        if time.time() > deadline + TIMEOUT:
            fail('the ZRLE picture differs from the Raw one', proc)
        time.sleep(0.5)
    cz.close()
    # a colour-map format and random garbage get the client dropped
    for junk in (struct.pack('>BxxxBBBBHHHBBBxxx', 0, 8, 8, 0, 0, 0, 0, 0,
                             0, 0, 0),
                 bytes((i * 97 + 13) & 0xff for i in range(4096))):
        j = connect(5900 + n, proc)
        handshake(j)
        try:
            j.sendall(junk)
            while j.recv(65536):
                pass
        except OSError:
            pass
        j.close()
    if proc.poll() is not None:
        fail('kestrel died with a bad client', proc)
    full_update(s, w, h)
    s.close()
    proc.kill()
    out = proc.communicate()[0].decode(errors='replace')
    for msg in ('bad ProtocolVersion', 'colour maps are not supported'):
        if msg not in out:
            fail('no message %r about a dropped client:\n%s' % (msg, out))
    print('ok: SeaBIOS screen %dx%d over VNC (32 and 16 bits, Raw and ZRLE), '
          'bad clients dropped' % (w, h))


def test_keys(kestrel, echo_bin):
    n = free_display()
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, 'debugcon.txt')
        # -vnc runs beside -nographic, as in QEMU
        proc = start(kestrel, ['-nographic', '-vnc', '127.0.0.1:%d' % n,
                               '-bios', echo_bin, '-debugcon', 'file:' + log])
        s = connect(5900 + n, proc)
        handshake(s)
        deadline = time.time() + TIMEOUT
        while 'READY' not in open(log).read():
            if time.time() > deadline:
                fail('the guest did not print READY', proc)
            time.sleep(0.1)
        for down in (1, 0):                     # 'a': set 2 1C, F0 1C
            s.sendall(struct.pack('>BBHI', 4, down, 0, ord('a')))
        s.sendall(struct.pack('>BBHI', 4, 1, 0, 0xff0d))   # Return: 5A
        # absolute pointer positions become relative PS/2 packets:
        # 10 right and 5 down (PS/2 up is positive), then the left button
        for mask, px, py in ((0, 100, 100), (0, 110, 105), (1, 110, 105)):
            s.sendall(struct.pack('>BBHH', 5, mask, px, py))
        while True:
            text = open(log).read()
            if ('K:1C\nK:F0\nK:1C\nK:5A' in text
                    and 'M:28\nM:0A\nM:FB\nM:09\nM:00\nM:00' in text):
                break
            if time.time() > deadline:
                fail('keys or pointer did not reach the guest; console:\n'
                     + text, proc)
            time.sleep(0.1)
        s.close()
        proc.kill()
        proc.communicate()
    print('ok: VNC key and pointer events reach the guest')


class Viewer:
    """A client that keeps its own copy of the screen from updates."""

    def __init__(self, s, w, h, zrle):
        self.s, self.w, self.h = s, w, h
        self.fb = bytearray(w * h * 4)
        self.z = zlib.decompressobj() if zrle else None

    def update(self, incremental):
        """Ask for an update and apply it; False when none came in 2 s."""
        self.s.sendall(struct.pack('>BBHHHH', 3, incremental, 0, 0,
                                   self.w, self.h))
        self.s.settimeout(2)
        try:
            hdr = recv_exact(self.s, 4)
        except socket.timeout:
            return False
        finally:
            self.s.settimeout(TIMEOUT)
        for _ in range(struct.unpack('>H', hdr[2:])[0]):
            x, y, rw, rh, enc = struct.unpack('>HHHHi',
                                              recv_exact(self.s, 12))
            if enc == -223:
                self.w, self.h = rw, rh
                self.fb = bytearray(rw * rh * 4)
                continue
            if self.z:
                zrle_rect(self.s, self.z, self.fb, self.w, x, y, rw, rh)
                continue
            data = recv_exact(self.s, rw * rh * 4)
            for row in range(rh):
                o = ((y + row) * self.w + x) * 4
                self.fb[o:o + rw * 4] = data[row * rw * 4:(row + 1) * rw * 4]
        return True

    def pixel(self, x, y):
        o = (y * self.w + x) * 4
        return struct.unpack('<I', self.fb[o:o + 4])[0] & 0xffffff


def test_tiles(kestrel, zrle):
    """Incremental updates of a 1000-pixel-wide mode (not a whole number
    of tiles) leave the client with the same picture as a full update."""
    n = free_display()
    with tempfile.TemporaryDirectory() as tmp:
        asm = os.path.join(HERE, 'bootsect', 'vbe-1000.asm')
        img = os.path.join(tmp, 'vbe.img')
        subprocess.run(['nasm', '-f', 'bin', asm, '-o', img], check=True)
        with open(img, 'r+b') as f:
            f.truncate(1474560)
        proc = start(kestrel, ['-display', 'vnc=127.0.0.1:%d' % n,
                               '-drive', 'file=%s,if=floppy,format=raw' % img])
        s = connect(5900 + n, proc)
        w, h, _ = handshake(s, (16, -223) if zrle else (0, -223))
        v = Viewer(s, w, h, zrle)
        deadline = time.time() + TIMEOUT
        while (v.w, v.h) != (1000, 64) or v.pixel(999, 0) != 0x204080:
            if time.time() > deadline:
                fail('no 1000x64 picture (%dx%d, right edge %06x)' %
                     (v.w, v.h, v.pixel(999, 0)), proc)
            v.update(1)
        s.sendall(struct.pack('>BBHI', 4, 1, 0, ord('a')))
        while v.pixel(0, 0) != 0xffc000:
            if time.time() > deadline:
                fail('the guest did not repaint after the key', proc)
            v.update(1)
        time.sleep(0.5)
        s.sendall(struct.pack('>BBHHHH', 3, 1, 0, 0, v.w, v.h))
        time.sleep(0.5)
        s.setblocking(False)
        try:
            while s.recv(65536):
                pass
        except BlockingIOError:
            pass
        s.setblocking(True)
        b = connect(5900 + n, proc)
        bw, bh, _ = handshake(b)
        bw, bh, full = full_update(b, bw, bh)
        for x in (0, 500, 991, 992, 999):
            if v.pixel(x, 15) != 0xffc000:
                fail('incremental picture at (%d, 15): %06x' %
                     (x, v.pixel(x, 15)), proc)
        if (bw, bh) != (1000, 64) or full[:1000 * 16 * 4] != \
                v.fb[:1000 * 16 * 4]:
            fail('incremental and full pictures differ', proc)
        proc.kill()
        proc.communicate()
    print('ok: incremental %s updates of a 1000x64 mode match a full update'
          % ('ZRLE' if zrle else 'Raw'))


def test_bad_display(kestrel):
    for arg, msg in (('vnc=:x', 'bad display number'),
                     ('vnc=localhost', 'expected [HOST]:N'),
                     ('vnc=:99999', 'bad display number')):
        r = subprocess.run([kestrel, '-display', arg], capture_output=True,
                           timeout=TIMEOUT)
        err = r.stderr.decode(errors='replace')
        if r.returncode != 1 or msg not in err:
            fail('-display %s: status %d, stderr %r' % (arg, r.returncode,
                                                        err))
    print('ok: bad -display vnc values are clear errors')


def main():
    kestrel, echo_bin = sys.argv[1], sys.argv[2]
    test_bad_display(kestrel)
    test_seabios(kestrel)
    test_keys(kestrel, echo_bin)
    test_tiles(kestrel, False)
    test_tiles(kestrel, True)


if __name__ == '__main__':
    main()
