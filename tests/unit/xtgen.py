# SPDX-License-Identifier: MIT
"""Shared by the 64-bit snippet generators (gen-translate64-cases.py,
gen-translate-sse-cases.py): the host-side code that loads the general
registers and RFLAGS from the XtState at RDI before a snippet, and stores
them back after it. Offsets follow XtState in test-translate.h."""

GPR_LOAD = '''push qword [rdi+128]
popfq
mov rax,[rdi]
mov rcx,[rdi+8]
mov rdx,[rdi+16]
mov rbx,[rdi+24]
mov rbp,[rdi+40]
mov rsi,[rdi+48]
mov r8,[rdi+64]
mov r9,[rdi+72]
mov r10,[rdi+80]
mov r11,[rdi+88]
mov r12,[rdi+96]
mov r13,[rdi+104]
mov r14,[rdi+112]
mov r15,[rdi+120]
mov rdi,[rdi+56]'''

GPR_STORE = '''push rdi
mov rdi,[rsp+8]
mov [rdi],rax
mov [rdi+8],rcx
mov [rdi+16],rdx
mov [rdi+24],rbx
mov [rdi+40],rbp
mov [rdi+48],rsi
mov [rdi+64],r8
mov [rdi+72],r9
mov [rdi+80],r10
mov [rdi+88],r11
mov [rdi+96],r12
mov [rdi+104],r13
mov [rdi+112],r14
mov [rdi+120],r15
pop rax
mov [rdi+56],rax
pushfq
pop qword [rdi+128]'''
