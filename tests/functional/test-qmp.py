#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# QMP from a standard-library client (socket + json), checked against the
# texts and shapes QEMU documents (docs/interop/qmp-spec.rst, the QMP
# reference): the greeting, capabilities negotiation (before and twice),
# query-status, query-cpus-fast (-smp 2: host thread ids of this process),
# query-block, stop/cont, system_reset, system_powerdown, screendump,
# human-monitor-command, the events STOP, RESUME, RESET, POWERDOWN and
# SHUTDOWN with their data and timestamps, the error classes and descs of
# bad input (unknown command, bad members, bad arguments, malformed JSON)
# and quit, on a unix socket; then greeting, negotiation and quit on TCP.
# With --qemu the same script runs against Debian's qemu-system-x86_64, so
# `make check-ref` shows that the expectations are QEMU's.
# usage: test-qmp.py [--qemu] BINARY
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402


class Qmp:
    def __init__(self, family, addr, proc):
        self.sock = guestlib.connect_retry(family, addr, proc)
        self.f = self.sock.makefile('rwb')
        self.events = []

    def recv(self):
        line = self.f.readline()
        if not line:
            raise EOFError('QMP connection closed')
        msg = json.loads(line)
        assert isinstance(msg, dict), f'not an object: {line!r}'
        return msg

    def send(self, text):
        self.f.write(text.encode() + b'\n')
        self.f.flush()

    def reply(self):
        while True:
            msg = self.recv()
            if 'event' not in msg:
                return msg
            check_event(msg)
            self.events.append(msg)

    def cmd(self, text):
        self.send(text)
        return self.reply()

    def execute(self, name, **args):
        req = {'execute': name}
        if args:
            req['arguments'] = args
        return self.cmd(json.dumps(req))

    def event(self, name):
        """The first pending event called name, reading more if needed."""
        while True:
            for i, e in enumerate(self.events):
                if e['event'] == name:
                    return self.events.pop(i)
            msg = self.recv()
            assert 'event' in msg, f'waiting for {name}, got {msg}'
            check_event(msg)
            self.events.append(msg)


def check_event(msg):
    ts = msg.get('timestamp')
    assert isinstance(ts, dict) and set(ts) == {'seconds', 'microseconds'} \
        and all(isinstance(v, int) for v in ts.values()), f'timestamp {msg}'
    assert set(msg) <= {'event', 'data', 'timestamp'}, f'event keys {msg}'


def error(r, cls, desc=None):
    assert set(r) <= {'error', 'id'} and set(r['error']) == {'class', 'desc'}, \
        f'error shape {r}'
    assert r['error']['class'] == cls, f'want {cls}: {r}'
    if desc is not None:
        assert r['error']['desc'] == desc, f'want desc {desc!r}: {r}'


def ok(r):
    assert r == {'return': {}}, f'want {{"return": {{}}}}: {r}'


def greeting(q):
    g = q.recv()
    assert set(g) == {'QMP'} and set(g['QMP']) == {'version', 'capabilities'}
    v = g['QMP']['version']
    assert set(v) == {'qemu', 'package'} and isinstance(v['package'], str)
    assert set(v['qemu']) == {'major', 'minor', 'micro'} and \
        all(isinstance(n, int) for n in v['qemu'].values()), v
    assert isinstance(g['QMP']['capabilities'], list)


def session(q, pid, img, tmp):
    greeting(q)
    error(q.execute('query-status'), 'CommandNotFound',
          "Expecting capabilities negotiation with 'qmp_capabilities'")
    assert q.cmd('{"execute": "qmp_capabilities", "id": 7}') == \
        {'return': {}, 'id': 7}
    error(q.execute('qmp_capabilities'), 'CommandNotFound',
          'Capabilities negotiation is already complete, command ignored')

    assert q.execute('query-status') == {'return': {
        'status': 'prelaunch', 'singlestep': False, 'running': False}}
    cpus = q.execute('query-cpus-fast')['return']
    assert [c['cpu-index'] for c in cpus] == [0, 1], cpus
    for c in cpus:
        assert {'cpu-index', 'qom-path', 'thread-id', 'props',
                'target'} <= set(c), c
        assert c['target'] == 'x86_64' and \
            c['qom-path'].startswith('/machine/'), c
        assert {'core-id', 'socket-id', 'thread-id'} <= set(c['props']), c
        assert os.path.isdir(f'/proc/{pid}/task/{c["thread-id"]}'), \
            f'thread-id {c["thread-id"]}: not a thread of {pid}'
    assert cpus[0]['thread-id'] != cpus[1]['thread-id']
    blocks = {b['device']: b for b in q.execute('query-block')['return']}
    hd = blocks.get('ide0-hd0')
    assert hd, f'query-block: no ide0-hd0 in {blocks}'
    assert hd['removable'] is False and hd['locked'] is False and \
        hd['type'] == 'unknown' and hd['io-status'] == 'ok', hd
    ins = hd['inserted']
    assert ins['file'] == img and ins['drv'] == 'raw' and \
        ins['ro'] is False, ins

    ok(q.execute('cont'))
    assert 'data' not in q.event('RESUME')
    r = q.execute('query-status')['return']
    assert r['status'] == 'running' and r['running'] is True, r
    ok(q.execute('stop'))
    assert 'data' not in q.event('STOP')
    r = q.execute('query-status')['return']
    assert r['status'] == 'paused' and r['running'] is False, r
    r = q.execute('human-monitor-command', **{'command-line': 'info status'})
    assert r == {'return': 'VM status: paused\r\n'}, r
    r = q.execute('human-monitor-command', **{'command-line': 'no_such'})
    assert r == {'return': "unknown command: 'no_such'\r\n"}, r
    r = q.execute('human-monitor-command',
                  **{'command-line': 'info registers'})['return']
    assert re.search(r'EIP=[0-9a-f]{8}', r) and 'CR0=' in r, r

    ok(q.execute('system_reset'))
    assert q.event('RESET')['data'] == {'guest': False,
                                        'reason': 'host-qmp-system-reset'}
    r = q.execute('query-status')['return']
    assert r['status'] == 'prelaunch', f'a reset while paused: {r}'
    ok(q.execute('system_powerdown'))
    assert 'data' not in q.event('POWERDOWN')

    ppm = os.path.join(tmp, 'screen.ppm')
    ok(q.execute('screendump', filename=ppm))
    with open(ppm, 'rb') as f:
        m = re.match(rb'P6\s+(\d+)\s+(\d+)\s+255\s', f.read(64))
    assert m, 'screendump: a PPM file'
    assert os.path.getsize(ppm) >= int(m.group(1)) * int(m.group(2)) * 3
    error(q.execute('screendump'), 'GenericError',
          "Parameter 'filename' is missing")
    error(q.execute('screendump', filename=3), 'GenericError',
          "Invalid parameter type for 'filename', expected: string")
    error(q.execute('screendump', filename='/nonexistent/dir/x.ppm'),
          'GenericError', "failed to open file '/nonexistent/dir/x.ppm': "
          "No such file or directory")

    r = q.cmd('{"execute": "no-such-command", "id": "x"}')
    error(r, 'CommandNotFound',
          'The command no-such-command has not been found')
    assert r['id'] == 'x', r
    for text, desc in [
            ('{"execute": "stop", "arguments": []}',
             "QMP input member 'arguments' must be an object"),
            ('{"execute": 3}', "QMP input member 'execute' must be a string"),
            ('{"execute": "stop", "foo": 1}',
             "QMP input member 'foo' is unexpected"),
            ('[1, 2]', 'QMP input must be a JSON object'),
            ('{"execute": "stop", "arguments": {"x": 1}}',
             "Parameter 'x' is unexpected"),
            ('{"execute": }', 'JSON parse error, expecting value'),
            ('{"execute": "stop",}', 'JSON parse error, expecting value'),
            ('{"execute": "stop" "id": 1}',
             'JSON parse error, expected separator in dict'),
            ('{"execute": "stop", "id": [1 2]}',
             'JSON parse error, expected separator in list'),
            ('{"execute" "stop"}', 'JSON parse error, missing : in object pair'),
            ('{"execute": "stop", "id": tru}',
             "JSON parse error, invalid keyword 'tru'"),
            ('{"execute": "stop", "id": 1, "id": 2}',
             'JSON parse error, duplicate key'),
            ('{"execute": "st\\xop"}',
             'JSON parse error, invalid escape sequence in string'),
            ('[' * 1024 + ']' * 1024, 'QMP input must be a JSON object')]:
        error(q.cmd(text), 'GenericError', desc)
    # a bad token: its error at once, then the rest read afresh
    q.send('{"execute": @}')
    error(q.reply(), 'GenericError', "JSON parse error, stray '@'")
    error(q.reply(), 'GenericError', 'JSON parse error, expecting value')
    q.send('[' * 1025)                      # QEMU's nesting limit
    error(q.reply(), 'GenericError', 'JSON nesting depth limit exceeded')
    # QEMU's single quotes; big integers; two commands in one write
    r = q.cmd("{'execute': 'query-status', 'id': 'it\\'s \"q\"'}")
    assert r['id'] == 'it\'s "q"' and 'return' in r, r
    r = q.cmd('{"execute": "query-status", "id": 9223372036854775807}')
    assert r['id'] == 9223372036854775807, r
    r = q.cmd('{"execute": "query-status", "id": 18446744073709551616}')
    assert r['id'] == 2.0 ** 64, r          # past uint64: a double
    q.send('{"execute": "query-status", "id": 1}'
           '{"execute": "query-status", "id": 2}')
    assert q.reply()['id'] == 1 and q.reply()['id'] == 2
    r = q.cmd('{"id": 4}')
    error(r, 'GenericError', "QMP input lacks member 'execute'")
    assert r['id'] == 4, r
    q.send('{"execute": ')                  # malformed across two writes
    r = q.cmd('}')
    assert r['error']['class'] == 'GenericError' and \
        r['error']['desc'].startswith('JSON parse error'), r
    r = q.cmd('{"execute": "cont", "id": {"a": [1, "b"]}}')
    assert r == {'return': {}, 'id': {'a': [1, 'b']}}, 'any id comes back'
    q.event('RESUME')

    quit(q)


def quit(q):
    q.send('{"execute": "quit"}')
    # QEMU may close the socket before its {"return": {}} goes out
    seen = q.events
    try:
        while not any(m.get('event') == 'SHUTDOWN' for m in seen):
            seen.append(q.recv())
    except (EOFError, ConnectionResetError):
        pass
    shutdown = [m for m in seen if m.get('event') == 'SHUTDOWN']
    assert shutdown and shutdown[0]['data'] == {
        'guest': False, 'reason': 'host-qmp-quit'}, f'quit: {seen}'
    assert all(m == {'return': {}} for m in seen if 'event' not in m), seen


def main():
    args = sys.argv[1:]
    qemu = args[0] == '--qemu'
    binary = args[-1]
    failures, logs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, 'disk.img')
        with open(img, 'wb') as f:
            f.truncate(1 << 20)
        path = os.path.join(tmp, 'qmp.sock')
        runs = [(['-S', '-smp', '2', '-drive',
                  f'file={img},format=raw,if=ide',
                  '-qmp', f'unix:{path},server=on,wait=off'],
                 socket.AF_UNIX, path, 'unix')]
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        runs.append((['-qmp', f'tcp:127.0.0.1:{port},server=on,wait=off'],
                     socket.AF_INET, ('127.0.0.1', port), 'tcp'))
        for extra, family, addr, name in runs:
            argv = [binary, '-display', 'none', '-m', '32'] + extra
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            try:
                q = Qmp(family, addr, proc)
                if name == 'unix':
                    session(q, proc.pid, img, tmp)
                else:
                    greeting(q)
                    ok(q.execute('qmp_capabilities'))
                    quit(q)
                assert proc.wait(timeout=10) == 0, 'quit: exit status 0'
            except (AssertionError, OSError, EOFError, KeyError) as e:
                failures.append(f'{name}: {type(e).__name__}: {e}')
            finally:
                if proc.poll() is None:
                    proc.kill()
                logs.append(' '.join(argv) + '\n' + proc.communicate()[0])
    if failures:
        print('FAIL' + (' (QEMU)' if qemu else '') + ':', '; '.join(failures))
        print('--- output ---\n' + '\n'.join(logs))
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
