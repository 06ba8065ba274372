#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# -display sdl under Xvfb: the window takes SeaBIOS's 720x400 text mode and
# title "NAME - Kestrel", its picture (xwd) is not uniform and scales with
# the window; a click grabs, Ctrl-Alt-G releases; xdotool key presses reach
# the kbd-echo guest (tests/guest/kbd-echo.asm) as set 2 scancodes through
# the 8042, and the grabbed mouse as PS/2 packets; the close button
# (WM_DELETE_WINDOW) presses the power button, a second close quits.
# Skips (77) without Xvfb, xdotool or xwd.
# Usage: test-display-sdl.py KESTREL KBD_ECHO_BIN
import ctypes
import ctypes.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60


def fail(msg, proc=None):
    print('FAIL: ' + msg)
    if proc is not None:
        proc.kill()
        print('kestrel output:\n' +
              proc.communicate()[0].decode(errors='replace'))
    sys.exit(1)


def start_xvfb():
    r, w = os.pipe()
    xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(w), '-screen', '0',
                             '1024x768x24', '-nolisten', 'tcp'],
                            pass_fds=[w], stderr=subprocess.DEVNULL)
    os.close(w)
    num = b''
    while not num.endswith(b'\n'):
        c = os.read(r, 1)
        if not c:
            fail('Xvfb did not start')
        num += c
    os.close(r)
    return xvfb, ':' + num.decode().strip()


def x(env, *args):
    return subprocess.run(list(args), env=env, capture_output=True,
                          timeout=TIMEOUT).stdout.decode()


def find_window(env, name, proc):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        if proc.poll() is not None:
            fail('kestrel exited with %d' % proc.returncode, proc)
        ids = x(env, 'xdotool', 'search', '--name', name).split()
        if ids:
            return ids[0]
        time.sleep(0.2)
    fail('no window named %s' % name, proc)


def xwd_pixels(env, win):
    """The window's picture: (width, height, set of pixel values)."""
    data = subprocess.run(['xwd', '-silent', '-id', win], env=env,
                          capture_output=True, timeout=TIMEOUT).stdout
    if len(data) < 100:
        return 0, 0, set()
    f = struct.unpack('>25I', data[:100])
    header, width, height = f[0], f[4], f[5]
    bpp, bpl, ncolors = f[11], f[12], f[19]
    pix = data[header + ncolors * 12:]
    step = bpp // 8
    values = set()
    for y in range(0, height, 3):
        row = pix[y * bpl:y * bpl + width * step]
        for i in range(0, len(row), step * 3):
            values.add(row[i:i + step])
    return width, height, values


def wait_title(env, win, want, proc):
    deadline = time.time() + TIMEOUT
    while True:
        title = x(env, 'xdotool', 'getwindowname', win).strip()
        if title == want:
            return
        if time.time() > deadline:
            fail('window title %r, expected %r' % (title, want), proc)
        time.sleep(0.2)


def test_seabios(kestrel, env):
    proc = subprocess.Popen([kestrel, '-nodefaults', '-vga', 'std',
                             '-display', 'sdl', '-name', 'sdltest'], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    win = find_window(env, 'sdltest', proc)
    deadline = time.time() + TIMEOUT
    while True:
        w, h, values = xwd_pixels(env, win)
        if (w, h) == (720, 400) and len(values) > 1:
            break
        if time.time() > deadline:
            fail('window %dx%d with %d colours, expected 720x400 and a '
                 'banner' % (w, h, len(values)), proc)
        time.sleep(0.5)
    title = x(env, 'xdotool', 'getwindowname', win).strip()
    if title != 'sdltest - Kestrel':
        fail('window title %r' % title, proc)
    # a click grabs (the title says how to leave), Ctrl-Alt-G releases
    x(env, 'xdotool', 'mousemove', '--window', win, '100', '100')
    x(env, 'xdotool', 'click', '--window', win, '1')
    wait_title(env, win, 'sdltest - Kestrel - Press Ctrl-Alt-G to exit grab',
               proc)
    x(env, 'xdotool', 'windowfocus', '--sync', win)
    x(env, 'xdotool', 'key', '--delay', '50', 'ctrl+alt+g')
    wait_title(env, win, 'sdltest - Kestrel', proc)
    # resizing the window scales the picture
    x(env, 'xdotool', 'windowmove', win, '0', '0')    # xwd clips to
    x(env, 'xdotool', 'windowsize', win, '900', '500')  # the screen
    while True:
        w, h, scaled = xwd_pixels(env, win)
        if (w, h) == (900, 500) and len(scaled) > 1:
            break
        if time.time() > deadline:
            fail('scaled window %dx%d with %d colours' % (w, h, len(scaled)),
                 proc)
        time.sleep(0.5)
    proc.terminate()
    proc.communicate(timeout=TIMEOUT)
    print('ok: SDL window 720x400 "%s" shows the BIOS screen; grab, '
          'release and scaling' % title)


def test_keys(kestrel, echo_bin, env):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, 'debugcon.txt')
        proc = subprocess.Popen([kestrel, '-nodefaults', '-vga', 'std',
                                 '-display', 'sdl',
                                 '-name', 'sdlkeys', '-bios', echo_bin,
                                 '-debugcon', 'file:' + log], env=env,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        win = find_window(env, 'sdlkeys', proc)
        deadline = time.time() + TIMEOUT
        while 'READY' not in open(log).read():
            if time.time() > deadline:
                fail('the guest did not print READY', proc)
            time.sleep(0.1)
        while True:
            x(env, 'xdotool', 'windowfocus', '--sync', win)
            x(env, 'xdotool', 'key', '--delay', '50', 'a', 'Return')
            time.sleep(0.5)
            text = open(log).read()
            if 'K:1C\nK:F0\nK:1C\nK:5A\nK:F0\nK:5A' in text:
                break
            if time.time() > deadline:
                fail('keys did not reach the guest; console:\n' + text, proc)
        # a click grabs; then motion and buttons reach the PS/2 mouse
        # (XTEST clicks do not reach SDL under Xvfb; synthetic ones do)
        x(env, 'xdotool', 'mousemove', '--window', win, '200', '200')
        x(env, 'xdotool', 'click', '--window', win, '1')
        wait_title(env, win, 'sdlkeys - Kestrel - Press Ctrl-Alt-G to exit '
                   'grab', proc)
        while open(log).read().count('M:') < 3:     # one PS/2 packet
            x(env, 'xdotool', 'mousemove_relative', '--', '7', '3')
            time.sleep(0.3)
            if time.time() > deadline:
                fail('the mouse did not reach the guest; console:\n' +
                     open(log).read(), proc)
        proc.terminate()
        proc.communicate(timeout=TIMEOUT)
    print('ok: xdotool keys and the grabbed mouse reach the guest')


class XClientMessage(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('serial', ctypes.c_ulong),
                ('send_event', ctypes.c_int), ('display', ctypes.c_void_p),
                ('window', ctypes.c_ulong), ('message_type', ctypes.c_ulong),
                ('format', ctypes.c_int), ('data', ctypes.c_long * 5),
                ('pad', ctypes.c_long * 12)]


def close_window(display, win):
    """What a window manager's close button sends: WM_DELETE_WINDOW."""
    x11 = ctypes.CDLL(ctypes.util.find_library('X11'))
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int,
                               ctypes.c_long, ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    ev = XClientMessage(type=33, send_event=1, window=int(win), format=32)
    ev.message_type = x11.XInternAtom(dpy, b'WM_PROTOCOLS', 0)
    ev.data[0] = x11.XInternAtom(dpy, b'WM_DELETE_WINDOW', 0)
    x11.XSendEvent(dpy, int(win), 0, 0, ctypes.byref(ev))
    x11.XCloseDisplay(dpy)


def test_stopped(kestrel, env):
    proc = subprocess.Popen([kestrel, '-nodefaults', '-vga', 'std',
                                 '-display', 'sdl',
                             '-name', 'sdlstop', '-S'], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    win = find_window(env, 'sdlstop', proc)
    wait_title(env, win, 'sdlstop - Kestrel [prelaunch]', proc)
    proc.terminate()
    proc.communicate(timeout=TIMEOUT)
    print('ok: the title shows the run state (-S)')


def test_close(kestrel, echo_bin, env):
    proc = subprocess.Popen([kestrel, '-nodefaults', '-vga', 'std',
                                 '-display', 'sdl',
                             '-name', 'sdlclose', '-bios', echo_bin], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    win = find_window(env, 'sdlclose', proc)
    close_window(env['DISPLAY'], win)       # the ACPI power button
    time.sleep(1)
    if proc.poll() is not None:
        fail('the first close quit (status %d)' % proc.returncode, proc)
    close_window(env['DISPLAY'], win)       # the guest ignored it: quit
    try:
        status = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        fail('the second close did not quit', proc)
    if status != 0:
        fail('exit status %d after the second close' % status, proc)
    proc.communicate()
    print('ok: close presses the power button, a second close quits')


def test_no_window_system(kestrel):
    env = dict(os.environ)
    for var in ('DISPLAY', 'WAYLAND_DISPLAY', 'SDL_VIDEODRIVER'):
        env.pop(var, None)
    r = subprocess.run([kestrel, '-nodefaults', '-display', 'sdl'], env=env,
                       capture_output=True, timeout=TIMEOUT)
    err = r.stderr.decode(errors='replace')
    if r.returncode != 1 or 'kestrel: -display sdl: ' not in err:
        fail('-display sdl without a window system: status %d, %r'
             % (r.returncode, err))
    print('ok: -display sdl without a window system is a clear error')


def main():
    kestrel, echo_bin = sys.argv[1], sys.argv[2]
    test_no_window_system(kestrel)
    for tool in ('Xvfb', 'xdotool', 'xwd'):
        if not shutil.which(tool):
            print('SKIP: %s not installed (Debian xvfb, xdotool, x11-apps)'
                  % tool)
            sys.exit(77)
    xvfb, display = start_xvfb()
    env = dict(os.environ, DISPLAY=display)
    env.pop('WAYLAND_DISPLAY', None)
    try:
        test_seabios(kestrel, env)
        test_keys(kestrel, echo_bin, env)
        test_close(kestrel, echo_bin, env)
        test_stopped(kestrel, env)
    finally:
        xvfb.terminate()
        xvfb.wait()


if __name__ == '__main__':
    main()
