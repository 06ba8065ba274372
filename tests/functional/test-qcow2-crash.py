#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Crash consistency: no flushed byte is lost when Kestrel is killed.

`kestrel-img stress` writes a pseudo-random pattern (every sector tagged
with the write that made it) and flushes every 16 writes, printing
"flushed N". We SIGKILL it at a random moment, then `kestrel-img verify`
checks that every sector holds what it held at flush N (or a later write
of it), and `qemu-img check` must find no corruption (leaked clusters are
allowed: exit status 0 or 3). Then the crashed image is written again and
checked once more (a leaky image must stay usable). Raw and qcow2 (v2, v3,
several cluster sizes, with a backing file) are covered; each round starts
from a fresh image, as verify expects zeros where nothing was flushed.

Usage: test-qcow2-crash.py KESTREL_IMG QEMU_IMG    (exit 77: no qemu-img)
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

KIMG, QIMG = sys.argv[1], sys.argv[2]
ROUNDS = 4
failures = []
count = 0


def crash_round(img, fmt, seed, rng):
    """Run stress, kill it; return the last flush it reported."""
    p = subprocess.Popen([KIMG, 'stress', '-f', fmt, img, str(seed)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    flushed = 0
    want = rng.randrange(3, 40)
    deadline = time.time() + 60
    for line in p.stdout:
        if line.startswith('flushed '):
            flushed = int(line.split()[1])
        if flushed >= want or time.time() > deadline:
            break
    # A little more work after the flush, then a kill at a random point.
    time.sleep(rng.random() * 0.05)
    p.kill()
    rest = p.stdout.read()
    p.wait()
    for line in rest.splitlines():
        if line.startswith('flushed '):
            flushed = int(line.split()[1])
    err = p.stderr.read()
    p.stdout.close()
    p.stderr.close()
    if p.returncode != -9:
        raise AssertionError('stress ended by itself (%d): %s'
                             % (p.returncode, err))
    return flushed


def run_case(name, fmt, create):
    global count
    count += 1
    tmp = tempfile.mkdtemp(prefix='kestrel-crash-')
    rng = random.Random(name)
    try:
        img = os.path.join(tmp, 'disk.img')
        create(tmp, img)
        for r in range(ROUNDS):
            seed = rng.randrange(1 << 30)
            flushed = crash_round(img, fmt, seed, rng)
            v = subprocess.run([KIMG, 'verify', '-f', fmt, img, str(seed),
                                str(flushed)], capture_output=True,
                               text=True)
            if v.returncode != 0:
                raise AssertionError('round %d (flush %d): %s'
                                     % (r, flushed, v.stderr))
            if fmt == 'qcow2':
                c = subprocess.run([QIMG, 'check', img],
                                   capture_output=True, text=True)
                if c.returncode not in (0, 3):
                    raise AssertionError('round %d: qemu-img check: %s%s'
                                         % (r, c.stdout, c.stderr))
                subprocess.run([KIMG, 'io', img, 'fill 4096 1048576 7',
                                'discard 0 65536', 'flush'], check=True)
                c = subprocess.run([QIMG, 'check', img],
                                   capture_output=True, text=True)
                if c.returncode not in (0, 3):
                    raise AssertionError('round %d, written after the '
                                         'crash: %s' % (r, c.stdout))
            os.unlink(img)
            create(tmp, img)
        print('ok %d - %s' % (count, name))
    except AssertionError as e:
        failures.append(name)
        print('not ok %d - %s: %s' % (count, name, e))
    finally:
        shutil.rmtree(tmp)
    sys.stdout.flush()


def qcow2(opts, backing=False):
    def create(tmp, img):
        args = [QIMG, 'create', '-f', 'qcow2', '-o', opts]
        if backing:
            base = os.path.join(tmp, 'base.raw')
            if not os.path.exists(base):
                with open(base, 'wb') as f:
                    f.truncate(16 << 20)
            args += ['-b', 'base.raw', '-F', 'raw']
        subprocess.run(args + [img, '16M'], check=True,
                       capture_output=True)
    return create


def raw(tmp, img):
    with open(img, 'wb') as f:
        f.truncate(16 << 20)


def main():
    if not shutil.which(QIMG) and not os.path.exists(QIMG):
        print('1..0 # SKIP qemu-img not installed')
        return 77
    run_case('raw', 'raw', raw)
    run_case('qcow2 v3 64k', 'qcow2', qcow2('compat=1.1'))
    run_case('qcow2 v2 4k', 'qcow2', qcow2('compat=0.10,cluster_size=4096'))
    run_case('qcow2 v3 512', 'qcow2', qcow2('cluster_size=512'))
    run_case('qcow2 backing', 'qcow2', qcow2('cluster_size=16384', True))
    print('1..%d' % count)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
