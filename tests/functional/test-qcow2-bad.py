#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bad images: each gives one clear error naming the image, no crash,
and the file is not changed.

Images are made by qemu-img, then damaged by patching header fields or
tables: truncated headers, tables outside the file, refcount fields that
overflow, backing file loops, huge sizes, a raw file opened as qcow2,
unknown features, encryption, a dirty image, undecodable compressed data.
kestrel-img opens each one and tries to write (and read) it.

Usage: test-qcow2-bad.py KESTREL_IMG QEMU_IMG    (exit 77: no qemu-img)
"""
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

KIMG, QIMG = sys.argv[1], sys.argv[2]
failures = []
count = 0


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def make(tmp, name='bad.qcow2', opts='compat=1.1', size='4M', data=False):
    img = os.path.join(tmp, name)
    subprocess.run([QIMG, 'create', '-f', 'qcow2', '-o', opts, img, size],
                   check=True, capture_output=True)
    if data:
        subprocess.run([KIMG, 'io', img, 'fill 0 200000 7'], check=True)
    return img


def patch(img, off, fmt, *vals):
    with open(img, 'r+b') as f:
        f.seek(off)
        f.write(struct.pack(fmt, *vals))


def peek(img, off, fmt):
    """The first value of struct format fmt at offset off of img."""
    with open(img, 'rb') as f:
        f.seek(off)
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]


def rebase(img, backing):
    """Point img at backing (qemu-img rebase -u: no data copied)."""
    subprocess.run([QIMG, 'rebase', '-u', '-b', backing, '-F', 'qcow2', img],
                   check=True, capture_output=True)


def expect_error(img, words, fmt=None, cmds=('fill 0 512 1', 'flush'),
                 extra=()):
    """kestrel-img fails with one line naming img and containing words."""
    before = sha(img)
    args = [KIMG, 'io'] + list(extra) + (['-f', fmt] if fmt else [])
    r = subprocess.run(args + [img] + list(cmds), capture_output=True,
                       text=True, timeout=60)
    lines = r.stderr.strip().splitlines()
    if r.returncode != 1:
        raise AssertionError('exit status %d (want 1): %s'
                             % (r.returncode, r.stderr))
    if len(lines) != 1 or img not in lines[0]:
        raise AssertionError('want one line naming the image: %r' % lines)
    for w in words:
        if w not in lines[0]:
            raise AssertionError('%r not in %r' % (w, lines[0]))
    if sha(img) != before:
        raise AssertionError('the image was changed')


def case(name):
    def deco(fn):
        global count
        count += 1
        tmp = tempfile.mkdtemp(prefix='kestrel-bad-')
        try:
            fn(tmp)
            print('ok %d - %s' % (count, name))
        except (AssertionError, subprocess.SubprocessError) as e:
            failures.append(name)
            print('not ok %d - %s: %s' % (count, name, e))
        finally:
            shutil.rmtree(tmp)
        sys.stdout.flush()
        return fn
    return deco


def header_case(name, words, off, fmt, *vals):
    """Case name: a fresh image with vals patched into its header at off
    fails with one error line containing words."""
    @case(name)
    def _(tmp):
        img = make(tmp)
        patch(img, off, fmt, *vals)
        expect_error(img, words)


def main():
    if not shutil.which(QIMG) and not os.path.exists(QIMG):
        print('1..0 # SKIP qemu-img not installed')
        return 77

    @case('truncated header (50 bytes)')
    def _(tmp):
        img = make(tmp)
        os.truncate(img, 50)
        expect_error(img, ['truncated'])

    @case('truncated v3 header (90 bytes)')
    def _(tmp):
        img = make(tmp)
        os.truncate(img, 90)
        expect_error(img, ['truncated'], fmt='qcow2')

    header_case('L1 table outside the file',
                ['L1 table offset 0x40000000', 'beyond the end of the file'],
                40, '>Q', 0x40000000)

    @case('L2 table outside the file')
    def _(tmp):
        img = make(tmp, data=True)
        l1 = peek(img, 40, '>Q')
        patch(img, l1, '>Q', (1 << 63) | 0x7000000000)
        expect_error(img, ['corrupt', 'L2 table offset'])
        expect_error(img, ['L2 table offset'], cmds=['read 0 512 /dev/null'])

    header_case('refcount table size overflows', ['refcount table'],
                56, '>I', 0xffffffff)

    header_case('refcount order too large', ['refcount order'], 96, '>I', 7)

    @case('refcount block outside the file')
    def _(tmp):
        img = make(tmp)
        rt = peek(img, 48, '>Q')
        patch(img, rt, '>Q', 0x123400000)
        expect_error(img, ['refcount'])

    @case('backing file loop (a -> b -> a)')
    def _(tmp):
        b = make(tmp, 'b.qcow2')
        a = os.path.join(tmp, 'a.qcow2')
        subprocess.run([QIMG, 'create', '-f', 'qcow2', '-b', 'b.qcow2',
                        '-F', 'qcow2', a], check=True, capture_output=True)
        rebase(b, 'a.qcow2')
        expect_error(a, ['loops'])

    @case('backing file is itself')
    def _(tmp):
        a = make(tmp, 'a.qcow2')
        rebase(a, 'a.qcow2')
        expect_error(a, ['loops'], extra=['--readonly'])

    @case('missing backing file')
    def _(tmp):
        a = make(tmp, 'a.qcow2')
        rebase(a, 'gone.qcow2')
        expect_error(a, ['backing file', 'gone.qcow2'])

    header_case('huge virtual size', ['virtual size', 'too large'],
                24, '>Q', 1 << 62)

    header_case('huge L1 size', ['L1 table size'], 36, '>I', 0x40000000)

    @case('L1 too small for the size')
    def _(tmp):
        img = make(tmp, size='8G')
        patch(img, 36, '>I', 1)
        expect_error(img, ['too small'])

    header_case('bad cluster size', ['cluster size'], 20, '>I', 40)

    @case('raw file given as qcow2')
    def _(tmp):
        img = os.path.join(tmp, 'disk.raw')
        with open(img, 'wb') as f:
            f.write(b'\xeb\x3c\x90MSDOS5.0' + bytes(1 << 20))
        expect_error(img, ['not a qcow2 image'], fmt='qcow2')

    header_case('unknown incompatible feature',
                ['unsupported qcow2 feature', 'bit 10'],
                72, '>Q', 1 << 10)

    header_case('known but unsupported feature named',
                ['unsupported qcow2 feature', 'extended L2'],
                72, '>Q', 1 << 4)

    @case('header extension overruns the cluster')
    def _(tmp):
        img = make(tmp)
        hlen = peek(img, 100, '>I')
        patch(img, hlen, '>II', 0x12345678, 0x7fffffff)
        expect_error(img, ['header extension'])

    header_case('backing name too long', ['backing file name'],
                8, '>QI', 512, 5000)

    header_case('encrypted image', ['encrypted'], 32, '>I', 1)

    @case('dirty image opened read-write')
    def _(tmp):
        img = make(tmp)
        patch(img, 72, '>Q', 1)
        expect_error(img, ['dirty'])
        r = subprocess.run([KIMG, 'info', '--readonly', img],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError('dirty image read-only: ' + r.stderr)

    @case('compressed cluster that does not decompress')
    def _(tmp):
        raw = os.path.join(tmp, 'src.raw')
        with open(raw, 'wb') as f:
            f.write(b'kestrel ' * (1 << 17))
        img = os.path.join(tmp, 'c.qcow2')
        subprocess.run([QIMG, 'convert', '-c', '-O', 'qcow2', raw, img],
                       check=True, capture_output=True)
        size = os.path.getsize(img)
        with open(img, 'r+b') as f:     # the compressed data sits at the end
            f.seek(size - 200)
            f.write(b'\xff' * 200)
        expect_error(img, ['decompress'], cmds=['dump /dev/null'])

    print('1..%d' % count)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
