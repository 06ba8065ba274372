# SPDX-License-Identifier: MIT
"""Generate test-translate-cases.inc: x86 snippets (assembled with nasm in
32-bit mode, valid as 64-bit host code too) that test-translate.c runs on
the host CPU and under the translator. Run from any directory:
    python3 gen-translate-cases.py > test-translate-cases.inc
"""
import os, subprocess, sys, tempfile
os.chdir(tempfile.mkdtemp())
# (asm, policy, count)  policy: ALL LOGIC MUL BT BS SHIFT ROT RC SHD NONE
cases = []
def add(asm, pol, cnt=0, w=32):
    cases.append((asm, pol, cnt, w))
regs = {8: ['al','bl','cl','dl','ah','bh'], 16: ['ax','bx','cx','dx','si'], 32: ['eax','ebx','ecx','edx','esi','edi','ebp']}
R = {8:('al','bl'), 16:('ax','bx'), 32:('eax','ebx')}
for w in (8,16,32):
    a,b = R[w]
    for op in ('add','adc','sub','sbb','cmp'):
        add(f'{op} {a},{b}', 'ALL', 0, w)
        add(f'{op} {b},0x{0x7f if w==8 else 0x1234:x}', 'ALL', 0, w)
    for op in ('and','or','xor','test'):
        add(f'{op} {a},{b}', 'LOGIC', 0, w)
    add(f'{op} {a},{a}', 'LOGIC', 0, w)
    for op in ('inc','dec','neg','not'):
        add(f'{op} {b}', 'ALL', 0, w)
    for op in ('shl','shr','sar'):
        for c in (1, 3, w-1):
            add(f'{op} {b},{c}', 'SHIFT', c, w)
        add(f'{op} {b},cl', 'SHIFT', -1, w)
    for op in ('rol','ror'):
        for c in (1, 5):
            add(f'{op} {b},{c}', 'ROT', c, w)
        add(f'{op} {b},cl', 'ROT', -1, w)
    for op in ('rcl','rcr'):
        for c in (1, 7):
            add(f'{op} {b},{c}', 'ROT', c, w)
        add(f'{op} {b},cl', 'ROT', -1, w)
    add(f'mul {b}', 'MUL', 0, w)
    add(f'imul {b}', 'MUL', 0, w)
    add(f'cmpxchg {b},{"dl" if w==8 else "dx" if w==16 else "edx"}', 'ALL', 0, w)
    add(f'xadd {b},{"dl" if w==8 else "dx" if w==16 else "edx"}', 'ALL', 0, w)
    add(f'xchg {a},{b}', 'ALL', 0, w)
    if w > 8:
        add(f'imul {a},{b}', 'MUL', 0, w)
        add(f'imul {a},{b},-3', 'MUL', 0, w)
        add(f'imul {a},{b},0x1234', 'MUL', 0, w)
        for op in ('bt','bts','btr','btc'):
            add(f'{op} {b},{a}', 'BT', 0, w)
            add(f'{op} {b},{w+3}', 'BT', 0, w)
        add(f'bsf {a},{b}', 'BS', 0, w)
        add(f'bsr {a},{b}', 'BS', 0, w)
        add(f'shld {b},{a},5', 'SHD', 5, w)
        add(f'shrd {b},{a},1', 'SHD', 1, w)
        add(f'shrd {b},{a},{w-1}', 'SHD', w-1, w)
        add(f'shld {b},{a},cl', 'SHD', -1, w)
        add(f'shrd {b},{a},cl', 'SHD', -1, w)
        add(f'movzx {a},bl', 'ALL', 0, w)
        add(f'movsx {a},bl', 'ALL', 0, w)
add('movsx eax,bx', 'ALL'); add('movzx eax,bx', 'ALL')
add('bswap ebx', 'ALL'); add('cbw', 'ALL'); add('cwde', 'ALL'); add('cwd', 'ALL'); add('cdq', 'ALL')
add('cmc', 'ALL'); add('clc', 'ALL'); add('stc', 'ALL')
add('lahf', 'ALL'); add('sahf', 'ALL')
add('lea eax,[ebx+ecx*4+0x12345]', 'ALL'); add('lea ax,[ebx+ecx*2-1]', 'ALL')
# conditions: flag-setting op then setcc / cmovcc / jcc in one block
ccs = ['o','no','b','ae','e','ne','be','a','s','ns','p','np','l','ge','le','g']
# (flag-setting op, policy, count, width, flags it leaves undefined)
pre = [('cmp eax,ebx', 'ALL', 0, 32, ''), ('cmp al,bl', 'ALL', 0, 8, ''),
       ('cmp ax,bx', 'ALL', 0, 16, ''), ('sub eax,ebx', 'ALL', 0, 32, ''),
       ('add eax,ebx', 'ALL', 0, 32, ''), ('add al,bl', 'ALL', 0, 8, ''),
       ('test eax,ebx', 'LOGIC', 0, 32, 'A'), ('and al,bl', 'LOGIC', 0, 8, 'A'),
       ('inc eax', 'ALL', 0, 32, ''), ('dec bl', 'ALL', 0, 8, ''),
       ('shl eax,cl', 'SHIFT', -1, 32, 'AO'), ('sar bx,1', 'SHIFT', 1, 16, 'A'),
       ('imul eax,ebx', 'MUL', 0, 32, 'SZAP'), ('adc eax,ebx', 'ALL', 0, 32, ''),
       ('sbb al,bl', 'ALL', 0, 8, ''), ('bt eax,ebx', 'BT', 0, 32, 'OSAP'),
       ('nop', 'ALL', 0, 32, '')]
reads = {'o':'O','no':'O','b':'C','ae':'C','e':'Z','ne':'Z','be':'CZ','a':'CZ',
         's':'S','ns':'S','p':'P','np':'P','l':'SO','ge':'SO','le':'ZSO','g':'ZSO'}
for p, pol, cnt, w, undef in pre:
    for c in ccs:
        if set(reads[c]) & set(undef):
            continue
        add(f'{p}\nset{c} cl' if cnt >= 0 else f'{p}\nset{c} dl', pol, cnt, w)
for p in ('cmp eax,ebx','cmp ax,bx','test al,bl','dec eax','nop'):
    for c in ccs:
        add(f'{p}\ncmov{c} ecx,edx', 'ALL')
        add(f'{p}\nj{c} $+4\nmov cl,1', 'ALL')
out = []
for asm, pol, cnt, w in cases:
    import re
    def fix(line):
        m = re.match(r'(inc|dec) (e?)(ax|bx|cx|dx)$', line)
        if not m: return line
        r = {'ax':0,'cx':1,'dx':2,'bx':3}[m.group(3)]
        modrm = 0xc0 | (0 if m.group(1)=='inc' else 8) | r
        pfx = '' if m.group(2) else '0x66,'
        return 'db %s0xff,0x%02x' % (pfx, modrm)
    src = 'bits 32\n' + '\n'.join(fix(l) for l in asm.split('\n')) + '\n'
    open('t.asm','w').write(src)
    subprocess.check_call(['nasm','-f','bin','t.asm','-o','t.bin'])
    b = open('t.bin','rb').read()
    bs = ''.join('\\x%02x' % x for x in b)
    out.append('    { "%s", "%s", %d, XT_%s, %d, %d },' % (asm.replace('\n','; '), bs, len(b), pol, cnt, w))
print('/* SPDX-License-Identifier: MIT */')
print('/* Generated by gen-translate-cases.py: do not edit. */')
print('\n'.join(out))
