#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# QMP over TCP (python sockets): greeting, capabilities, query-status,
# stop/cont with their events, human-monitor-command "info registers",
# an unknown command (CommandNotFound), malformed JSON (GenericError), quit.
# Usage: test-qmp.py KESTREL
import json, socket, subprocess, sys, time

def main():
    kestrel = sys.argv[1]
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([kestrel, '-display', 'none', '-S', '-qmp',
                             'tcp:127.0.0.1:%d,server=on,wait=off' % port],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                sock = socket.create_connection(('127.0.0.1', port))
                break
            except OSError:
                time.sleep(0.1)
        f = sock.makefile('rwb')
        def recv():
            return json.loads(f.readline())
        def cmd(text):
            f.write(text.encode() + b'\n')
            f.flush()
            while True:
                r = recv()
                if 'event' not in r:
                    return r
                events.append(r['event'])
        events = []
        greeting = recv()
        assert 'version' in greeting['QMP'] and greeting['QMP']['capabilities'] == [], greeting
        r = cmd('{"execute": "query-status"}')
        assert r['error']['class'] == 'CommandNotFound', r
        assert cmd('{"execute": "qmp_capabilities", "id": 7}') == {'return': {}, 'id': 7}
        r = cmd('{"execute": "query-status"}')['return']
        assert r['status'] == 'prelaunch' and not r['running'], r
        cmd('{"execute": "cont"}')
        assert cmd('{"execute": "query-status"}')['return']['running']
        cmd('{"execute": "stop"}')
        assert events == ['RESUME', 'STOP'], events
        r = cmd('{"execute": "human-monitor-command", "arguments": {"command-line": "info registers"}}')
        assert 'EIP=' in r['return'] and 'CR0=' in r['return'], r
        r = cmd('{"execute": "no-such-command", "id": "x"}')
        assert r['error']['class'] == 'CommandNotFound' and r['id'] == 'x', r
        f.write(b'{"execute": ')         # malformed across two writes
        f.flush()
        r = cmd('}')
        assert r['error']['class'] == 'GenericError', r
        r = cmd('{"execute": "screendump"}')
        assert r['error']['class'] == 'GenericError', r
        assert cmd('{"execute": "quit"}') == {'return': {}}
        assert recv()['event'] == 'SHUTDOWN'
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    print('ok')

main()
