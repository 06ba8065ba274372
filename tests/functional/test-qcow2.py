#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Interop of Kestrel's block layer with qemu-img (qemu-utils).

Images made by qemu-img (qcow2 v2 and v3, clusters from 512 B to 2 MiB,
with and without backing files, compressed by `qemu-img convert -c`, with
an internal snapshot) are written through the block layer by
kestrel-img; afterwards `qemu-img check` must be clean and `qemu-img
compare` must match a raw file holding what was written, kept in Python.
Also: -snapshot never changes the base image, readonly refuses writes,
image locking keeps a second writer (Kestrel or QEMU) out, a probed raw
image refuses a qcow2 signature in block 0.

Usage: test-qcow2.py KESTREL_IMG QEMU_IMG    (exit 77: no qemu-img)
"""
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

KIMG, QIMG = sys.argv[1], sys.argv[2]
MiB = 1 << 20
failures = []
count = 0


def run(args, ok=True):
    r = subprocess.run(args, capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise AssertionError('%s failed (%d): %s%s' % (
            ' '.join(args), r.returncode, r.stdout, r.stderr))
    return r


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class Ref:
    """The raw bytes the image should hold, and the commands making them."""

    def __init__(self, tmp, size, data=None):
        self.tmp = tmp
        self.buf = bytearray(data if data is not None else size)
        self.cmds = []
        self.n = 0

    def write(self, off, data):
        self.n += 1
        path = os.path.join(self.tmp, 'chunk%d' % self.n)
        with open(path, 'wb') as f:
            f.write(data)
        self.cmds.append('write %d %s' % (off, path))
        self.buf[off:off + len(data)] = data

    def fill(self, off, length, byte):
        self.cmds.append('fill %d %d %d' % (off, length, byte))
        self.buf[off:off + length] = bytes([byte]) * length

    def random_writes(self, rng, nr, cluster):
        size = len(self.buf)
        for _ in range(nr):
            kind = rng.randrange(4)
            if kind == 0:               # small and unaligned
                length = rng.randrange(1, 3000)
            elif kind == 1:             # one 4 KiB block
                length = 4096
            elif kind == 2:             # straddles clusters
                length = min(cluster * 2 + 17, 3 * MiB)
            else:
                length = rng.randrange(1, 300000)
            length = min(length, size)
            off = rng.randrange(0, size - length + 1)
            if kind == 1:
                off &= ~4095
            self.write(off, rng.randbytes(length))

    def save(self, name):
        path = os.path.join(self.tmp, name)
        with open(path, 'wb') as f:
            f.write(self.buf)
        return path


def kimg_io(img, cmds, extra=()):
    return run([KIMG, 'io'] + list(extra) + [img] + cmds)


def check_image(img, ref_raw, what):
    r = run([QIMG, 'check', img], ok=False)
    if r.returncode != 0:
        raise AssertionError('%s: qemu-img check: %s%s' % (
            what, r.stdout, r.stderr))
    r = run([QIMG, 'compare', '-f', 'raw', '-F', 'qcow2', ref_raw, img],
            ok=False)
    if r.returncode != 0:
        raise AssertionError('%s: qemu-img compare: %s%s' % (
            what, r.stdout, r.stderr))


def case(fn):
    def wrapper(*args):
        global count
        count += 1
        name = '%s%s' % (fn.__name__, args)
        tmp = tempfile.mkdtemp(prefix='kestrel-qcow2-')
        try:
            fn(tmp, *args)
            print('ok %d - %s' % (count, name))
        except AssertionError as e:
            failures.append(name)
            print('not ok %d - %s: %s' % (count, name, e))
        finally:
            shutil.rmtree(tmp)
        sys.stdout.flush()
    return wrapper


@case
def cluster_sizes(tmp, compat, cluster, aio):
    rng = random.Random(cluster * 7 + len(compat))
    size = 24 * MiB if cluster < 2 * MiB else 40 * MiB
    ref = Ref(tmp, size)
    # Start from data QEMU wrote: a raw file converted by qemu-img.
    for _ in range(20):
        off = rng.randrange(0, size - 70000)
        ref.buf[off:off + 65536] = rng.randbytes(65536)
    base_raw = ref.save('start.raw')
    img = os.path.join(tmp, 'd.qcow2')
    run([QIMG, 'convert', '-f', 'raw', '-O', 'qcow2', '-o',
         'compat=%s,cluster_size=%d' % (compat, cluster), base_raw, img])
    ref.random_writes(rng, 40, cluster)
    ref.fill(cluster * 3 + 5, cluster * 4, 0x5a)
    ref.cmds.append('discard 0 %d' % (cluster * 16))
    ref.fill(0, cluster * 16, 0xc3)     # discarded, then written again
    ref.cmds.append('flush')
    ref.random_writes(rng, 10, cluster)
    kimg_io(img, ref.cmds, ['--aio'] if aio else [])
    want = ref.save('want.raw')
    check_image(img, want, 'after writes')
    out = os.path.join(tmp, 'dump')
    kimg_io(img, ['dump ' + out])
    if sha(out) != sha(want):
        raise AssertionError('Kestrel reads back something else')


@case
def backing_chain(tmp, base_fmt):
    rng = random.Random(99)
    size = 8 * MiB
    data = bytearray(rng.randbytes(size))
    os.mkdir(os.path.join(tmp, 'sub'))
    base = os.path.join(tmp, 'sub', 'base.img')
    with open(base, 'wb') as f:
        f.write(data)
    if base_fmt == 'qcow2':
        run([QIMG, 'convert', '-O', 'qcow2', base, base + '.q'])
        os.rename(base + '.q', base)
    mid = os.path.join(tmp, 'sub', 'mid.qcow2')
    top = os.path.join(tmp, 'top.qcow2')
    # Relative names, resolved against the overlay's directory.
    run([QIMG, 'create', '-f', 'qcow2', '-b', 'base.img', '-F', base_fmt,
         '-o', 'cluster_size=4096', mid])
    run([QIMG, 'create', '-f', 'qcow2', '-b',
         'sub/mid.qcow2', '-F', 'qcow2', top])
    base_sha = sha(base)
    ref = Ref(tmp, size, data)
    midref = Ref(tmp, size, data)
    midref.fill(100000, 5000, 7)
    kimg_io(mid, midref.cmds)
    ref.buf[:] = midref.buf
    ref.random_writes(rng, 30, 65536)
    kimg_io(top, ref.cmds)
    check_image(top, ref.save('want.raw'), 'overlay')
    check_image(mid, midref.save('mid.raw'), 'middle')
    if sha(base) != base_sha:
        raise AssertionError('the base image changed')


@case
def compressed(tmp, cluster):
    rng = random.Random(5)
    size = 4 * MiB
    # Compressible data: runs of text with random bits in between.
    data = bytearray()
    while len(data) < size:
        data += (b'kestrel %d ' % rng.randrange(1000)) * rng.randrange(1, 50)
        data += rng.randbytes(rng.randrange(0, 600))
    data = data[:size]
    ref = Ref(tmp, size, data)
    raw = ref.save('src.raw')
    img = os.path.join(tmp, 'c.qcow2')
    run([QIMG, 'convert', '-c', '-O', 'qcow2', '-o',
         'cluster_size=%d' % cluster, raw, img])
    info = run([QIMG, 'check', img]).stdout
    if 'compressed' not in info:
        raise AssertionError('no compressed clusters: ' + info)
    out = os.path.join(tmp, 'dump')
    kimg_io(img, ['dump ' + out])
    if sha(out) != sha(raw):
        raise AssertionError('compressed image reads back wrong')
    ref.random_writes(rng, 25, cluster)
    kimg_io(img, ref.cmds)
    check_image(img, ref.save('want.raw'), 'compressed after writes')


@case
def internal_snapshot(tmp):
    rng = random.Random(3)
    size = 4 * MiB
    ref = Ref(tmp, size, rng.randbytes(size))
    raw = ref.save('orig.raw')
    img = os.path.join(tmp, 's.qcow2')
    run([QIMG, 'convert', '-O', 'qcow2', raw, img])
    run([QIMG, 'snapshot', '-c', 'before', img])
    ref.random_writes(rng, 30, 65536)
    kimg_io(img, ref.cmds)
    check_image(img, ref.save('want.raw'), 'active layer')
    run([QIMG, 'snapshot', '-a', 'before', img])
    check_image(img, raw, 'snapshot kept')


@case
def kestrel_created(tmp, cluster):
    size = 20 * MiB + 512
    base = os.path.join(tmp, 'base.raw')
    with open(base, 'wb') as f:
        f.write(b'\x11' * size)
    img = os.path.join(tmp, 'k.qcow2')
    run([KIMG, 'create', '-c', str(cluster), '-b', 'base.raw', '-F', 'raw',
         img, str(size)])
    info = run([QIMG, 'info', img]).stdout
    if 'backing file: base.raw' not in info or 'raw' not in info:
        raise AssertionError('qemu-img info: ' + info)
    ref = Ref(tmp, size, b'\x11' * size)
    ref.fill(512, 12 * MiB, 0x22)       # grows the refcount table
    ref.random_writes(random.Random(cluster), 20, cluster)
    kimg_io(img, ref.cmds)
    check_image(img, ref.save('want.raw'), 'kestrel-created')


@case
def snapshot_mode(tmp, fmt):
    size = 2 * MiB
    img = os.path.join(tmp, 'b.img')
    run([QIMG, 'create', '-f', fmt, img, str(size)])
    before = sha(img)
    out = os.path.join(tmp, 'out')
    kimg_io(img, ['fill 1000 70000 9', 'flush', 'read 1000 70000 ' + out],
            ['--snapshot'])
    with open(out, 'rb') as f:
        if f.read() != b'\x09' * 70000:
            raise AssertionError('writes not visible inside the snapshot')
    if sha(img) != before:
        raise AssertionError('-snapshot changed the base image')


@case
def readonly(tmp):
    img = os.path.join(tmp, 'r.qcow2')
    run([QIMG, 'create', '-f', 'qcow2', img, '1M'])
    before = sha(img)
    r = run([KIMG, 'io', '--readonly', img, 'fill 0 512 1'], ok=False)
    if r.returncode != 1 or 'read-only' not in r.stderr or img not in r.stderr:
        raise AssertionError('readonly write: %d %s' % (r.returncode,
                                                         r.stderr))
    if sha(img) != before:
        raise AssertionError('readonly image changed')


@case
def locking(tmp):
    img = os.path.join(tmp, 'l.qcow2')
    run([QIMG, 'create', '-f', 'qcow2', img, '1M'])
    holder = subprocess.Popen([KIMG, 'io', img, 'sleep 3'])
    try:
        time.sleep(0.5)
        r = run([KIMG, 'io', img, 'flush'], ok=False)
        if r.returncode != 1 or 'locked' not in r.stderr or img not in r.stderr:
            raise AssertionError('second writer: %s' % r.stderr)
        r = run([KIMG, 'info', '--readonly', img], ok=False)
        if r.returncode != 1 or 'locked' not in r.stderr:
            raise AssertionError('reader beside a writer: %s' % r.stderr)
        r = run([QIMG, 'info', img], ok=False)
        if r.returncode == 0:
            raise AssertionError('qemu-img ignored the lock')
        r = run([KIMG, 'info', '--snapshot', img], ok=False)
        if r.returncode != 1:
            raise AssertionError('-snapshot beside a writer was allowed')
    finally:
        holder.wait()
    reader = subprocess.Popen([KIMG, 'io', '--readonly', img, 'sleep 2'])
    try:
        time.sleep(0.5)
        run([KIMG, 'info', '--readonly', img])  # two readers are fine
    finally:
        reader.wait()


@case
def probe_raw_block0(tmp):
    img = os.path.join(tmp, 'p.img')
    with open(img, 'wb') as f:
        f.write(bytes(MiB))
    magic = os.path.join(tmp, 'magic')
    with open(magic, 'wb') as f:
        f.write(b'QFI\xfb\x00\x00\x00\x03')
    r = run([KIMG, 'io', img, 'write 0 ' + magic], ok=False)
    if r.returncode != 1 or 'format=raw' not in r.stderr:
        raise AssertionError('block 0 write allowed: %s' % r.stderr)
    if 'warning' not in r.stderr:
        raise AssertionError('no probing warning: %s' % r.stderr)
    kimg_io(img, ['write 512 ' + magic])    # elsewhere is fine
    kimg_io(img, ['write 0 ' + magic], ['-f', 'raw'])
    r = run([KIMG, 'info', '-f', 'raw', img])
    if 'format: raw' not in r.stdout:
        raise AssertionError(r.stdout)


def main():
    if not shutil.which(QIMG) and not os.path.exists(QIMG):
        print('1..0 # SKIP qemu-img not installed (apt-get install '
              'qemu-utils)')
        return 77
    for compat in ('0.10', '1.1'):
        for cluster in (512, 4096, 65536, 2 * MiB):
            cluster_sizes(compat, cluster, False)
    cluster_sizes('1.1', 65536, True)
    backing_chain('raw')
    backing_chain('qcow2')
    compressed(65536)
    compressed(4096)
    internal_snapshot()
    kestrel_created(512)
    kestrel_created(65536)
    snapshot_mode('raw')
    snapshot_mode('qcow2')
    readonly()
    locking()
    probe_raw_block0()
    print('1..%d' % count)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
