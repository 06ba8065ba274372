#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed corpus of every fuzz target into OUTDIR/fuzz-NAME/: small
# inputs in each target's own format (see the header of tests/fuzz/NAME.c)
# that reach the interesting paths at once, so that a 60 s make fuzz-smoke
# starts deep instead of from nothing. Nothing is fetched. scripts/build-fuzz
# runs it before each smoke run; the fuzzer's own finds go to another dir.
# usage: gen-seeds.py OUTDIR
import os, struct, sys, zlib


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- fuzz-decode: mode byte (0 16-bit, 1 32-bit, 2 64-bit), then bytes ----
DECODE = {
    0: ['b80100', 'cd10', 'ea00007c0000', '0f01160000', '66b878563412',
        'f3a4', '8ed8', 'd9ee', '9a00000010'],
    1: ['8b442404', 'f00fb10a', '0f20c0', 'cf', 'dd442408', '0f6fc1',
        '660fefc0', 'f20f58c1', '0f0b', '62'],
    2: ['48b8efbeaddefeca0000', '4c8b0424', '0f05', 'f3480fb8c0',
        '66490f6ec0', 'c4e27d18c0', '480fc7c8', 'e9fbffffff', 'ff'],
}


def seeds_decode(out):
    for mode, insns in DECODE.items():
        for i, hx in enumerate(insns):
            put(out, 'fuzz-decode', 'm%d-%d' % (mode, i),
                bytes([mode]) + bytes.fromhex(hx))


# ---- fuzz-qcow2: whole images, 512-byte clusters ----
def qcow2_image(version, compressed):
    cs = 512
    hdr_len = 104 if version == 3 else 72
    l1, rct, rcb, l2, data, zdata = (cs * i for i in range(1, 7))
    hdr = struct.pack('>4sIQIIQIIQQIIQ', b'QFI\xfb', version, 0, 0, 9,
                      1 << 20, 0, 32, l1, rct, 1, 0, 0)
    if version == 3:
        hdr += struct.pack('>QQQII', 0, 0, 0, 4, hdr_len)
    img = bytearray(cs * 7)
    img[:len(hdr)] = hdr
    struct.pack_into('>Q', img, l1, (1 << 63) | l2)
    struct.pack_into('>Q', img, rct, rcb)
    for c in range(7):
        struct.pack_into('>H', img, rcb + 2 * c, 1)
    struct.pack_into('>Q', img, l2, (1 << 63) | data)
    img[data:data + cs] = bytes((i * 7) & 0xff for i in range(cs))
    if compressed:
        z = zlib.compressobj(9, zlib.DEFLATED, -12)
        blob = z.compress(bytes(range(256)) * 2) + z.flush()
        img[zdata:zdata + len(blob)] = blob
        struct.pack_into('>Q', img, l2 + 8, (1 << 62) | zdata)
    return bytes(img)


def seeds_qcow2(out):
    put(out, 'fuzz-qcow2', 'v3-data-compressed', qcow2_image(3, True))
    put(out, 'fuzz-qcow2', 'v3-data', qcow2_image(3, False))
    put(out, 'fuzz-qcow2', 'v2-data', qcow2_image(2, False))


# ---- fuzz-keyval: option text ----
KEYVAL = ['file=disk.img,if=ide,format=raw,index=1', 'tcp::4444,server=on,'
          'wait=off', 'unix:/tmp/s,server=on', 'size=64M', 'id=x,readonly=on',
          'ide', 'if=floppy,file=a,,b', ',', 'port=65536', 'readonly=maybe',
          'type=none,id=,', 'size=0x10k']


def seeds_keyval(out):
    for i, s in enumerate(KEYVAL):
        put(out, 'fuzz-keyval', 'kv-%d' % i, s)


# ---- fuzz-gdb: packet bodies split at '\n'; 0x01 raw, 0x02 debug stop ----
GDB = [
    ['qSupported:multiprocess+;swbreak+;hwbreak+', '?', 'g', 'p8', 'p10',
     'P0=78563412', 'm0,10', 'M0,4:deadbeef', 'qfThreadInfo', 'qsThreadInfo',
     'qC', 'qAttached', 'Hg2', 'Hc-1', 'T1', 'vCont?'],
    ['Z0,1000,1', 'Z1,2000,1', 'Z2,3000,4', 'Z4,3000,8', 'vCont;s:1',
     '\x02', 'z0,1000,1', 'z2,3000,4', 'c', '\x02', 'D'],
    ['qXfer:features:read:target.xml:0,fff', 'qRcmd,696e666f20726567',
     'X100,3:a}]b', 'G' + '00' * 64, 'k'],
    ['\x01$g#00', '\x01+-+$?#3f', '\x01\x03', '\x01$m0,1*3#00', '\x01$' + 'a'
     * 300],
]


def seeds_gdb(out):
    for i, pieces in enumerate(GDB):
        put(out, 'fuzz-gdb', 'session-%d' % i, '\n'.join(pieces))


# ---- fuzz-e1000: ops 0 reg write, 1 reg read, 2 RAM store, 3 frame, 4 time
def e1000_w(reg, val):
    return struct.pack('<BHI', 0, reg // 4, val)


def e1000_r(reg):
    return struct.pack('<BH', 1, reg // 4)


def e1000_ram(addr, data16):
    return struct.pack('<BH', 2, addr) + data16.ljust(16, b'\0')[:16]


def seeds_e1000(out):
    frame = bytes.fromhex('ffffffffffff525400123456' '0806') + bytes(46)
    tx = (e1000_ram(0x1000, struct.pack('<QHBBBBH', 0x2000, 60, 0, 0x0b, 0,
                                        0, 0)) +
          e1000_ram(0x2000, frame[:16]) + e1000_ram(0x2010, frame[16:32]) +
          e1000_w(0x3800, 0x1000) + e1000_w(0x3804, 0) +
          e1000_w(0x3808, 128) + e1000_w(0x400, 0x0a) +
          e1000_w(0x3818, 1) + e1000_r(0x3810) + e1000_r(0xc0) +
          struct.pack('<BH', 4, 100) + e1000_r(0x4074))
    rx = (e1000_w(0x2800, 0x3000) + e1000_w(0x2808, 128) +
          e1000_w(0x2818, 4) + e1000_w(0x100, 0x0200801a) +
          e1000_w(0xd0, 0x80) + struct.pack('<BH', 3, len(frame)) + frame +
          e1000_r(0xc0) + e1000_r(0x2810) + struct.pack('<BH', 4, 1000))
    eeprom = e1000_w(0x14, 0x1) + e1000_r(0x14) + e1000_w(0x20, 0x0c201000) + \
        e1000_r(0x20) + e1000_r(0x8) + e1000_w(0x0, 0x04000000)
    put(out, 'fuzz-e1000', 'tx', tx)
    put(out, 'fuzz-e1000', 'rx', rx)
    put(out, 'fuzz-e1000', 'eeprom-mdic-reset', eeprom)


# ---- fuzz-devio: 0 out, 1 in, 2/3 MMIO, 4 RAM store, 5 time, 6 PCI cfg,
# 7 16 outs to one port ----
def out(port, val, size=1):
    return struct.pack('<BHBI', 0, port, {1: 0, 2: 1, 4: 2}[size], val)


def inp(port, size=1):
    return struct.pack('<BHB', 1, port, {1: 0, 2: 1, 4: 2}[size])


def ram(addr, data8):
    return struct.pack('<BH', 4, addr) + data8.ljust(8, b'\0')[:8]


def tick(us):
    return struct.pack('<BH', 5, us)


def seeds_devio(out_dir):
    s = {}
    s['pic-pit'] = (out(0x20, 0x11) + out(0x21, 0x08) + out(0x21, 0x04) +
                    out(0x21, 0x01) + out(0x21, 0xfe) + out(0x43, 0x34) +
                    out(0x40, 0x00) + out(0x40, 0x10) + tick(5000) +
                    out(0x20, 0x0a) + inp(0x20) + out(0x43, 0xc2) + inp(0x40) +
                    out(0x20, 0x20) + out(0x61, 0x01) + inp(0x61))
    s['rtc'] = b''.join(out(0x70, r) + inp(0x71) for r in
                        (0, 2, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0x32)) + \
        out(0x70, 0x0b) + out(0x71, 0x42) + tick(60000) + out(0x70, 0x0c) + \
        inp(0x71)
    s['i8042'] = (out(0x64, 0x20) + inp(0x60) + out(0x64, 0x60) +
                  out(0x60, 0x47) + out(0x60, 0xff) + inp(0x60) + inp(0x64) +
                  out(0x64, 0xd4) + out(0x60, 0xf4) + inp(0x60) +
                  out(0x64, 0xd1) + out(0x60, 0xdf) + out(0x64, 0xaa))
    s['uart'] = (out(0x3fb, 0x80) + out(0x3f8, 0x01) + out(0x3f9, 0) +
                 out(0x3fb, 0x03) + out(0x3fa, 0xc7) + out(0x3fc, 0x1b) +
                 out(0x3f9, 0x0f) + struct.pack('<BH', 7, 0x3f8) +
                 b'hello, world!\r\n\0' + inp(0x3fd) + inp(0x3f8) + inp(0x3fa))
    s['dma-floppy'] = (out(0x0a, 0x06) + out(0x0c, 0) + out(0x04, 0x00) +
                       out(0x04, 0x10) + out(0x81, 0x00) + out(0x05, 0xff) +
                       out(0x05, 0x01) + out(0x0b, 0x46) + out(0x0a, 0x02) +
                       out(0x3f2, 0x00) + out(0x3f2, 0x1c) + tick(100) +
                       out(0x3f5, 0x08) + inp(0x3f5) + inp(0x3f5) +
                       out(0x3f5, 0x0f) + out(0x3f5, 0x00) + out(0x3f5, 0x01) +
                       b''.join(out(0x3f5, b) for b in
                                (0xe6, 0, 0, 0, 1, 2, 18, 0x1b, 0xff)) +
                       tick(1000) + b''.join(inp(0x3f5) for _ in range(7)) +
                       inp(0x08))
    ide_cmd = out(0x1f6, 0xe0) + out(0x1f2, 1) + out(0x1f3, 0) + \
        out(0x1f4, 0) + out(0x1f5, 0)
    s['ide-pio'] = (out(0x1f6, 0xa0) + out(0x1f7, 0xec) + inp(0x1f7) +
                    inp(0x1f0, 2) * 8 + ide_cmd + out(0x1f7, 0x20) +
                    inp(0x1f0, 4) * 4 + ide_cmd + out(0x1f7, 0x30) +
                    out(0x1f0, 0x12345678, 4) + inp(0x3f6) + out(0x3f6, 0x04) +
                    out(0x3f6, 0x00))
    # a PRD table at 0x1000: 512 bytes at 0x2000, end of table
    s['ide-bmdma'] = (ram(0x1000, struct.pack('<IHH', 0x2000, 512, 0x8000)) +
                      out(0xc004, 0x1000, 4) + ide_cmd + out(0x1f7, 0xc8) +
                      out(0xc000, 0x09) + tick(100) + inp(0xc002) +
                      inp(0x1f7) + out(0xc000, 0x00) + out(0xc002, 0x06))
    packet = bytes([0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0])
    s['atapi'] = (out(0x1f6, 0xb0) + out(0x1f7, 0xa1) + inp(0x1f0, 2) * 4 +
                  out(0x1f4, 0xff) + out(0x1f5, 0xff) + out(0x1f7, 0xa0) +
                  b''.join(out(0x1f0, packet[i] | packet[i + 1] << 8, 2)
                           for i in range(0, 12, 2)) + inp(0x1f7) +
                  inp(0x1f0, 2) * 18 + out(0x1f7, 0xa0) +
                  b''.join(out(0x1f0, w, 2) for w in (0x28, 0x1000, 0, 0x100,
                                                      0, 0)) +
                  inp(0x1f0, 4) * 8 + out(0x1f7, 0xa0) +
                  b''.join(out(0x1f0, w, 2) for w in (0x43, 0, 0, 0x1400,
                                                      0, 0)))
    s['vga'] = (out(0x3c2, 0x67) + out(0x3c4, 0x02) + out(0x3c5, 0x0f) +
                out(0x3ce, 0x05) + out(0x3cf, 0x40) + out(0x3d4, 0x11) +
                out(0x3d5, 0x00) + out(0x3d4, 0x01) + out(0x3d5, 0x4f) +
                out(0x3c8, 0x00) + out(0x3c9, 0x3f) * 3 + inp(0x3da) +
                out(0x3c0, 0x10) + out(0x3c0, 0x41) + inp(0x3c1) +
                out(0x1ce, 0x04, 2) + out(0x1cf, 0x00, 2) +
                out(0x1ce, 0x01, 2) + out(0x1cf, 640, 2) +
                out(0x1ce, 0x02, 2) + out(0x1cf, 480, 2) +
                out(0x1ce, 0x03, 2) + out(0x1cf, 32, 2) +
                out(0x1ce, 0x04, 2) + out(0x1cf, 0x41, 2) +
                struct.pack('<BHBII', 2, 0x0000, 2, 0x4000, 0xffffffff) +
                struct.pack('<BHBI', 3, 0x0010, 2, 0x4000) +
                struct.pack('<BHBII', 2, 0x8000, 0, 0x0000, 0xaa))
    s['fwcfg'] = (out(0x510, 0x0000, 2) + inp(0x511) * 4 +
                  out(0x510, 0x0001, 2) + inp(0x511) * 4 +
                  out(0x510, 0x0019, 2) + inp(0x511) * 8 +
                  ram(0x3000, struct.pack('>IIQ', 0x0019 << 16 | 0x0a, 64,
                                          0x3100)) +
                  out(0x514, 0, 4) + out(0x518, 0x00300000, 4))
    s['pci'] = b''.join(struct.pack('<BHI', 6, dev << 8 | reg, val) for
                        dev, reg, val in ((0x08, 0x04, 0x7), (0x09, 0x40, 0),
                                          (0x10, 0x30, 0xfffffffe),
                                          (0x08, 0x60, 0x0b0a0b0a),
                                          (0x00, 0x59, 0x33333333))) + \
        b''.join(out(0xcf8, 0x80000000 | dev << 8 | reg, 4) + inp(0xcfc, 4)
                 for dev, reg in ((0x00, 0), (0x08, 0), (0x09, 0x20),
                                  (0x10, 0x10), (0xf8, 0)))
    for name, data in s.items():
        put(out_dir, 'fuzz-devio', name, data)


# ---- fuzz-hmp: vCPU mode byte, then what is typed ----
HMP = [
    (0, 'info registers\ninfo cpus\ninfo pci\ninfo mtree\ninfo block\n'
        'info network\ninfo status\ninfo\nhelp\n'),
    (0, 'xp/16xb 0xffff0\nxp /4xw 0xfec00000\nx/10i 0xffff0\nxp/2c 0x400\n'
        'xp/3ug 0xfee00000\nx/8tb 0x7c00\nxp/2dh 0xfffffffffffffff0\n'),
    (1, 'x/4xw 0x0\nx/4xw 0x400000\nx/2xg 0xc0000000\nx/i 0xfffff000\n'),
    (3, 'x/4xw 0x0\nx/4xw 0x40000000\nx/xg 0x80200000\nx/4c 0xfff00000\n'),
    (6, 'x/4xg 0x0\nx/2i 0xffff800000000000\nx/xw 0x7fffffffffff\n'
        'x/xw 0x8000000000000000\ninfo registers\n'),
    (0, 'stop\ninfo status\ncont\ninfo status\nstop\nc\nsystem_reset\n'
        'system_powerdown\nsendkey ctrl-alt-delete\nsendkey a 10\n'
        'accel tcg\naccel kvm\ninfo accel\ninfo kvm\naccel x\n'),
    (0, 'screendump /tmp/x.ppm\ngdbserver tcp::1234\ngdbserver none\n'
        'x\nx/0x 0\nx/5z 0\nxp/99999999xg 0\nxp 0x\n"unterminated\n'
        'info nosuch\nnosuch\nsendkey nosuchkey\nsendkey a 0\n\r\n\x7f\x08'
        'info st\x7fatus\r\n' + 'a' * 1100 + '\nquit\ninfo status\n'),
]


def seeds_hmp(out):
    for i, (mode, text) in enumerate(HMP):
        put(out, 'fuzz-hmp', 'session-%d' % i, bytes([mode]) + text.encode())


# ---- fuzz-qmp: what a client sends after the greeting ----
def qmp(*cmds):
    return '\r\n'.join(cmds) + '\r\n'


CAPS = '{"execute": "qmp_capabilities"}'
QMP = [
    qmp(CAPS, '{"execute": "query-status", "id": 1}',
        '{"execute": "query-cpus-fast"}', '{"execute": "query-block"}',
        '{"execute": "query-version", "id": "v"}',
        '{"execute": "query-commands"}', '{"execute": "query-kvm"}',
        '{"execute": "x-accel-switch", "arguments": {"accel": "kvm"}}',
        '{"execute": "x-accel-switch", "arguments": {"accel": "tcg"}}'),
    qmp(CAPS, '{"execute": "stop"}', '{"execute": "cont", "id": [1]}',
        '{"execute": "system_reset"}', '{"execute": "system_powerdown"}',
        '{"execute": "screendump", "arguments": {"filename": "/tmp/x"}}',
        '{"execute": "quit"}', '{"execute": "query-status"}'),
    qmp(CAPS, '{"execute": "human-monitor-command", "arguments": '
        '{"command-line": "info registers"}}',
        '{"execute": "human-monitor-command", "arguments": '
        '{"command-line": "xp/4xw 0xfec00000", "cpu-index": 0}}',
        '{"execute": "human-monitor-command", "arguments": '
        '{"command-line": "gdbserver unix:/tmp/g,server=on"}}'),
    qmp('{"execute": "query-status"}', CAPS, CAPS, '{"execute": 1}',
        '{"arguments": {}}', '[]', '"x"', '{"execute": "stop", "x": 1}',
        '{"execute": "stop", "arguments": []}',
        '{"execute": "screendump"}',
        '{"execute": "screendump", "arguments": {"filename": 1}}',
        '{"execute": "stop", "arguments": {"a": 1}}',
        '{"execute": "nosuch", "id": {"a": null}}', '{"execute": ',
        '}', ']', '{"a": tru}', '{"a": "\\u0000"}', '1e999', '{"a":-}'),
]


def seeds_qmp(out):
    for i, text in enumerate(QMP):
        put(out, 'fuzz-qmp', 'session-%d' % i, text)


def main():
    out = sys.argv[1]
    for gen in (seeds_decode, seeds_qcow2, seeds_keyval, seeds_gdb,
                seeds_e1000, seeds_devio, seeds_hmp, seeds_qmp):
        gen(out)


if __name__ == '__main__':
    main()
