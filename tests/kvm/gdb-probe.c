/* SPDX-License-Identifier: MIT */
/*
 * A fixed GDB remote protocol session against Kestrel's -gdb socket, for
 * where Debian's gdb is not at hand (the nested KVM initramfs has neither
 * gdb nor python: tests/kvm/nested-init.sh). Kestrel runs the gdbguest
 * BIOS (tests/functional/gdbguest/gdbguest.asm) with -S; its ELF gives the
 * symbols. The session:
 *   Z0 at add_one, c: T05 there, g: eax = ebx = 0;
 *   s: exactly one instruction (the 3-byte add), eax = 1;
 *   five Z0 at once (under KVM: four debug registers, one int3), hit in
 *   turn, removed and re-inserted at every stop as gdb does, m showing the
 *   original bytes after each removal;
 *   Z1 at after_store; Z2 (4 bytes) on the counter: T05watch:1000;
 *   g and m against the values the guest computed;
 *   M of the exit code, c to isa-debug-exit (the caller checks the status).
 * Prints "ok STEP" or "FAIL STEP: why" per step; exit status 0 if all pass.
 * --kvm-pvm: for kvm_pvm (docs/kvm.md), whose instruction emulator runs
 * this paging-off guest and ignores data breakpoints: no Z2; the steps
 * left out are printed as "skip STEP: why".
 * --step-only: for kvm-amd nested in QEMU 7.2's TCG, where no breakpoint
 * can fire: its VMRUN takes DR7 without arming its own breakpoints, and an
 * int3 checks only the INTn intercept, not KVM's #BP one (docs/kvm.md).
 * Single-steps to add_one and over the add instead; Z0 (five), Z1 and Z2
 * are only inserted and removed, m showing the original bytes after.
 * No GLib: only libc, so the initramfs needs nothing beyond what kestrel
 * brings.
 *
 * usage: gdb-probe [--kvm-pvm|--step-only] GUEST.elf unix:PATH | tcp:HOST:PORT
 * Ref: GDB manual, Appendix E (Remote Serial Protocol).
 */
#include <elf.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* gdbguest.asm's %defines (not symbols) */
#define COUNTER     0x1000
#define EXIT_CODE   0x1004
#define REPLY_MAX   8192

static int sock = -1;
static char reply[REPLY_MAX];
static int failures;

static void check(bool ok, const char *step, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("ok %s\n", step);
        return;
    }
    failures++;
    printf("FAIL %s: ", step);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static void die(const char *what)
{
    printf("FAIL %s (%d earlier failures)\n", what, failures);
    exit(1);
}

/* The value of symbol @name in the ELF32 file @elf (mapped). */
static uint32_t elf_sym(const uint8_t *elf, size_t size, const char *name)
{
    const Elf32_Ehdr *eh = (const Elf32_Ehdr *)elf;
    const Elf32_Shdr *sh = (const Elf32_Shdr *)(elf + eh->e_shoff);

    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS32 ||
        eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > size) {
        die("the guest file is no ELF32");
    }
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf32_Sym *sym = (const Elf32_Sym *)(elf + sh[i].sh_offset);
        const char *str = (const char *)elf + sh[sh[i].sh_link].sh_offset;

        if (sh[i].sh_type != SHT_SYMTAB) {
            continue;
        }
        for (unsigned n = 0; n < sh[i].sh_size / sizeof(*sym); n++) {
            if (!strcmp(str + sym[n].st_name, name)) {
                return sym[n].st_value;
            }
        }
    }
    fprintf(stderr, "gdb-probe: no symbol %s\n", name);
    die("guest symbols");
    return 0;
}

static int connect_to(const char *where)
{
    if (!strncmp(where, "unix:", 5)) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", where + 5);
        return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -1 : fd;
    }
    if (!strncmp(where, "tcp:", 4)) {
        char host[256];
        const char *port = strrchr(where + 4, ':');
        struct addrinfo *ai, hints = { .ai_socktype = SOCK_STREAM };
        int fd;

        if (!port || port - (where + 4) >= (int)sizeof(host)) {
            return -1;
        }
        snprintf(host, port - where - 3, "%s", where + 4);
        if (getaddrinfo(host, port + 1, &hints, &ai)) {
            return -1;
        }
        fd = socket(ai->ai_family, SOCK_STREAM, 0);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
            fd = -1;
        }
        freeaddrinfo(ai);
        return fd;
    }
    return -1;
}

/* One byte; -1 at EOF (Kestrel exited) or after 20 s without one. */
static int get_byte(void)
{
    uint8_t c;

    return read(sock, &c, 1) == 1 ? c : -1;
}

static void send_packet(const char *data)
{
    char buf[REPLY_MAX + 8];
    unsigned sum = 0;
    int c;

    for (const char *p = data; *p; p++) {
        sum += (uint8_t)*p;
    }
    snprintf(buf, sizeof(buf), "$%s#%02x", data, sum & 0xff);
    if (write(sock, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
        die("write to the gdb socket");
    }
    while ((c = get_byte()) != '+') {
        if (c < 0 || c == '-') {
            die("no '+' for a packet");
        }
    }
}

/* The next packet into reply[]; false at EOF. */
static bool recv_packet(void)
{
    size_t n = 0;
    int c;

    while ((c = get_byte()) != '$') {
        if (c < 0) {
            return false;
        }
    }
    while ((c = get_byte()) != '#') {
        if (c < 0 || n + 1 >= sizeof(reply)) {
            return false;
        }
        reply[n++] = c;
    }
    reply[n] = 0;
    get_byte();
    get_byte();
    return write(sock, "+", 1) == 1;
}

static const char *cmd(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    send_packet(buf);
    if (!recv_packet()) {
        fprintf(stderr, "gdb-probe: no reply to %s\n", buf);
        die("the stub closed the connection");
    }
    return reply;
}

static uint64_t hex_le(const char *hex, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes; i++) {
        unsigned b;

        if (sscanf(hex + 2 * i, "%2x", &b) != 1) {
            return ~0ull;
        }
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

typedef struct Regs {
    uint64_t eax, ebx, eip, cs;
} Regs;

/* g: i386 layout (eip after 8 GPRs of 4 bytes) or x86-64 (rip after 16
 * of 8), told apart by the length (x86-64 is 536 bytes). */
static Regs get_regs(void)
{
    const char *g = cmd("g");
    bool wide = strlen(g) >= 2 * 536;
    unsigned w = wide ? 8 : 4, pc = wide ? 128 : 32;

    return (Regs) {
        /* rax rbx rcx rdx, but eax ecx edx ebx */
        .eax = hex_le(g, w), .ebx = hex_le(g + 2 * (wide ? 1 : 3) * w, w),
        .eip = hex_le(g + 2 * pc, w),
        .cs = hex_le(g + 2 * (pc + w + 4), 4),
    };
}

static uint64_t mem(uint32_t addr, unsigned len)
{
    return hex_le(cmd("m%x,%x", addr, len), len);
}

/* c (or s): the T reply, which must be a SIGTRAP stop. With none in
 * 20 s, a Ctrl-C says where the guest went instead (if it can stop). */
static const char *resume(const char *how, const char *step)
{
    const char *r;

    send_packet(how);
    if (!recv_packet()) {
        printf("FAIL %s: no stop after %s; sending Ctrl-C\n", step, how);
        if (write(sock, "\x03", 1) == 1 && recv_packet()) {
            printf("Ctrl-C: %s, eip %#llx\n", reply,
                   (unsigned long long)get_regs().eip);
        }
        die("no stop");
    }
    r = reply;

    check(!strncmp(r, "T05", 3), step, "%s answered %s", how, r);
    return r;
}

/* --step-only: no c until the end (no breakpoint would stop it) */
static void step_only(uint32_t add_one, uint32_t main_loop,
                      uint32_t after_store)
{
    const uint32_t at[5] = { main_loop, main_loop + 2, main_loop + 7,
                             after_store, add_one };
    static const uint8_t opcode[5] = { 0x89, 0xe8, 0xa3, 0x43, 0x83 };
    bool ok = true;
    int n = 0;
    Regs r;

    printf("skip z0-stop, z0x5, z1, z2 stops: --step-only\n");
    while ((r = get_regs()).eip != add_one && n++ < 100) {
        resume("s", "step-to-add_one");
    }
    check(r.eip == add_one && r.eax == 0 && r.ebx == 0 && r.cs == 8,
          "step-to-add_one", "after %d steps eip %#llx eax %#llx ebx %#llx "
          "cs %#llx", n, (unsigned long long)r.eip,
          (unsigned long long)r.eax, (unsigned long long)r.ebx,
          (unsigned long long)r.cs);
    resume("s", "step-stop");
    r = get_regs();
    check(r.eip == add_one + 3 && r.eax == 1, "step-one-insn",
          "eip %#llx eax %#llx, want %#x 1", (unsigned long long)r.eip,
          (unsigned long long)r.eax, add_one + 3);
    /* the fifth is an int3 in guest memory until removed */
    for (int i = 0; i < 5; i++) {
        ok &= mem(at[i], 1) == opcode[i] &&
              !strcmp(cmd("Z0,%x,1", at[i]), "OK");
    }
    ok &= !strcmp(cmd("Z1,%x,1", after_store), "OK") &&
          !strcmp(cmd("Z2,%x,4", COUNTER), "OK");
    check(ok, "insert-z0x5-z1-z2", "an opcode differs or refused: %s",
          reply);
    ok = !strcmp(cmd("z2,%x,4", COUNTER), "OK") &&
         !strcmp(cmd("z1,%x,1", after_store), "OK");
    for (int i = 0; i < 5; i++) {
        ok &= !strcmp(cmd("z0,%x,1", at[i]), "OK") &&
              mem(at[i], 1) == opcode[i];
    }
    check(ok, "remove-z0x5-z1-z2", "refused or a byte changed: %s", reply);
}

int main(int argc, char **argv)
{
    struct stat st;
    const uint8_t *elf;
    uint32_t add_one, main_loop, after_store;
    bool pvm = argc > 1 && !strcmp(argv[1], "--kvm-pvm");
    bool stepo = argc > 1 && !strcmp(argv[1], "--step-only");
    int fd;
    Regs r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    argv += pvm || stepo;
    argc -= pvm || stepo;
    if (argc != 3) {
        fprintf(stderr, "usage: gdb-probe [--kvm-pvm|--step-only] GUEST.elf "
                "unix:PATH|tcp:HOST:PORT\n");
        return 2;
    }
    fd = open(argv[1], O_RDONLY);
    if (fd < 0 || fstat(fd, &st) ||
        (elf = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
        MAP_FAILED) {
        die("cannot read the guest ELF");
    }
    add_one = elf_sym(elf, st.st_size, "add_one");
    main_loop = elf_sym(elf, st.st_size, "main_loop");
    after_store = elf_sym(elf, st.st_size, "after_store");
    sock = connect_to(argv[2]);
    if (sock < 0) {
        die("cannot connect to the gdb socket");
    }
    /* a stop that never comes fails the step instead of hanging */
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO,
               &(struct timeval) { .tv_sec = 20 }, sizeof(struct timeval));

    check(!strncmp(cmd("?"), "T05", 3), "stopped", "? answered %s", reply);
    cmd("qSupported:swbreak+;hwbreak+");
    check(get_regs().eip == 0xfff0, "reset-vector", "eip %#llx",
          (unsigned long long)get_regs().eip);
    /* the reset vector's far jump to bios_start (CS base 0xf0000) */
    resume("s", "step-reset");
    check(get_regs().eip == (elf_sym(elf, st.st_size, "bios_start") & 0xffff),
          "step-reset-jmp", "eip %#llx", (unsigned long long)get_regs().eip);

    if (stepo) {
        step_only(add_one, main_loop, after_store);
        goto run_to_exit;
    }

    /* a software breakpoint */
    check(!strcmp(cmd("Z0,%x,1", add_one), "OK"), "z0-insert", "%s", reply);
    resume("c", "z0-stop");
    r = get_regs();
    check(r.eip == add_one && r.eax == 0 && r.ebx == 0, "z0-at-add_one",
          "eip %#llx eax %#llx ebx %#llx, want %#x 0 0",
          (unsigned long long)r.eip, (unsigned long long)r.eax,
          (unsigned long long)r.ebx, add_one);
    check(r.cs == 8, "g-cs", "cs %#llx, want 8", (unsigned long long)r.cs);
    check(!strcmp(cmd("z0,%x,1", add_one), "OK"), "z0-remove", "%s", reply);
    check(mem(add_one, 3) == 0x01c083, "m-add_one",
          "m at add_one %06llx, want the add eax, 1 (83 c0 01)",
          (unsigned long long)mem(add_one, 3));

    /* one single-step: the 3-byte add */
    resume("s", "step-stop");
    r = get_regs();
    check(r.eip == add_one + 3 && r.eax == 1, "step-one-insn",
          "eip %#llx eax %#llx, want %#x 1", (unsigned long long)r.eip,
          (unsigned long long)r.eax, add_one + 3);

    /*
     * Five breakpoints on the way back to add_one (ebx = 0): the store,
     * inc, cmp, mov eax, ebx and the call. Each stop: all removed (their
     * bytes must be the originals again), one step, all re-inserted, as
     * gdb does. The step from the store lands on the inc's breakpoint:
     * the c then stops there at once (five points on a loop of eight
     * instructions cannot all be apart).
     */
    {
        static const struct {
            int base;           /* 0: main_loop, 1: after_store */
            int off;
            uint8_t opcode;
            uint8_t ebx;        /* at the stop: inc ebx comes second */
        } bps[5] = {
            { 0, 7, 0xa3, 0 }, { 1, 0, 0x43, 0 }, { 1, 1, 0x83, 1 },
            { 0, 0, 0x89, 1 }, { 0, 2, 0xe8, 1 },
        };
        uint32_t at[5];
        char step[32];

        for (int i = 0; i < 5; i++) {
            at[i] = (bps[i].base ? after_store : main_loop) + bps[i].off;
            check(mem(at[i], 1) == bps[i].opcode, "m-opcode",
                  "byte at %#x %02llx, want %02x", at[i],
                  (unsigned long long)mem(at[i], 1), bps[i].opcode);
        }
        for (int hit = 0; hit < 5; hit++) {
            bool ok = true;

            snprintf(step, sizeof(step), "z0x5-hit%d", hit);
            for (int i = 0; i < 5; i++) {
                ok &= !strcmp(cmd("Z0,%x,1", at[i]), "OK");
            }
            check(ok, "z0x5-insert", "a Z0 was refused: %s", reply);
            resume("c", step);
            r = get_regs();
            check(r.eip == at[hit] && r.ebx == bps[hit].ebx, step,
                  "eip %#llx ebx %#llx, want %#x %u",
                  (unsigned long long)r.eip, (unsigned long long)r.ebx,
                  at[hit], bps[hit].ebx);
            ok = true;
            for (int i = 0; i < 5; i++) {
                ok &= !strcmp(cmd("z0,%x,1", at[i]), "OK") &&
                      mem(at[i], 1) == bps[i].opcode;
            }
            check(ok, "z0x5-remove", "a z0 failed or left a changed byte");
            resume("s", "z0x5-step");
        }
    }
    r = get_regs();
    check(r.eip == add_one && r.ebx == 1, "z0x5-end",
          "eip %#llx ebx %#llx, want %#x 1", (unsigned long long)r.eip,
          (unsigned long long)r.ebx, add_one);

    /* a hardware breakpoint */
    check(!strcmp(cmd("Z1,%x,1", after_store), "OK"), "z1-insert", "%s",
          reply);
    resume("c", "z1-stop");
    r = get_regs();
    check(r.eip == after_store && mem(COUNTER, 4) == 2, "z1-at-after_store",
          "eip %#llx counter %llu, want %#x 2", (unsigned long long)r.eip,
          (unsigned long long)mem(COUNTER, 4), after_store);
    check(!strcmp(cmd("z1,%x,1", after_store), "OK"), "z1-remove", "%s",
          reply);

    /* a write watchpoint on the counter: the next store, ebx = 2 */
    if (pvm) {
        printf("skip z2: kvm_pvm's instruction emulator ignores data "
               "breakpoints\n");
        goto run_to_exit;
    }
    check(!strcmp(cmd("Z2,%x,4", COUNTER), "OK"), "z2-insert", "%s", reply);
    resume("c", "z2-stop");
    check(strstr(reply, "watch:1000;") != NULL, "z2-reason",
          "stop reply %s, want watch:1000;", reply);
    r = get_regs();
    check(r.eip == after_store && r.eax == 3 && r.ebx == 2 &&
          mem(COUNTER, 4) == 3, "z2-after-store",
          "eip %#llx eax %#llx ebx %#llx counter %llu, want %#x 3 2 3",
          (unsigned long long)r.eip, (unsigned long long)r.eax,
          (unsigned long long)r.ebx, (unsigned long long)mem(COUNTER, 4),
          after_store);
    check(!strcmp(cmd("z2,%x,4", COUNTER), "OK"), "z2-remove", "%s", reply);

run_to_exit:
    /* the exit code only we write, then on to isa-debug-exit */
    check(!strcmp(cmd("M%x,1:21", EXIT_CODE), "OK") &&
          mem(EXIT_CODE, 1) == 0x21, "M-exit-code", "%s", reply);
    send_packet("c");
    check(!recv_packet() || reply[0] == 'W' || reply[0] == 'X', "run-to-exit",
          "the guest stopped again: %s", reply);
    printf("%s: %d failures\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
