/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the GDB stub (gdbstub/gdbstub.c, packet.c,
 * gdb-regs.c, gdb-query.c) on a fake target: two vCPUs whose state is plain memory,
 * 64 KiB of "guest memory" behind guest_debug_rw_memory(), a breakpoint
 * table with the real limits, and a chardev that only collects replies.
 * Everything the stub calls outside gdbstub/ is stubbed here, so the
 * target links against the core library alone.
 *
 * The input is split at '\n': each piece is framed as a packet with a
 * good checksum ("$piece#cs") and fed to the stub, so that the dispatcher
 * sees well-formed packets with fuzzed bodies; a piece starting with 0x01
 * is fed raw instead (the framing layer: bad checksums, escapes, '*'
 * runs, Ctrl-C, acks), and one starting with 0x02 makes the running vCPU
 * report a debug stop. A connection opens before and closes after each
 * input. Built by `make fuzz`; run e.g. ./fuzz-gdb -max_len=4096 corpus/
 */
#include "kestrel/osdep.h"
#include "kestrel/chardev.h"
#include "kestrel/guest-debug.h"
#include "kestrel/monitor.h"
#include "kestrel/runstate.h"
#include "cpu/x86/cpu.h"
#include "gdbstub/packet.h"
#include "monitor/monitor-int.h"

#define FUZZ_MEM        0x10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t fuzz_mem[FUZZ_MEM];
static X86CPU fuzz_cpus[2];
static X86CPU *fuzz_cpu_list[2] = { &fuzz_cpus[0], &fuzz_cpus[1] };
static unsigned fuzz_points;
static RunStatus fuzz_status = RUN_STATUS_RUNNING;
static CharCanReadFn *fuzz_can_read;
static CharReadFn *fuzz_read;
static CharEventFn *fuzz_event;
static void *fuzz_opaque, *fuzz_event_opaque;
static size_t fuzz_out_bytes;

static void fuzz_state(X86CPU *cpu)
{
}

static const AccelOps fuzz_accel = {
    .name = "fuzz",
    .get_state = fuzz_state,
    .put_state = fuzz_state,
};

static Machine fuzz_machine = {
    .cpus = fuzz_cpu_list,
    .nr_cpus = 2,
    .accel = &fuzz_accel,
};

void (*vcpu_debug_exit_hook)(X86CPU *cpu);

/* ---- the rest of Kestrel, as far as the stub sees it ---- */

Machine *current_machine(void)
{
    return &fuzz_machine;
}

RunStatus vm_status(void)
{
    return fuzz_status;
}

void vm_stop(RunStatus why)
{
    fuzz_status = why;
}

void vm_start(void)
{
    fuzz_status = RUN_STATUS_RUNNING;
}

void machine_request_shutdown(ShutdownCause cause)
{
}

char *hmp_run_capture(const char *cmdline)
{
    return g_strdup_printf("ran '%s'\n", cmdline);
}

Chardev *chardev_new_from_spec(const char *spec, const char *id,
                               GError **errp)
{
    return (Chardev *)fuzz_mem;         /* never dereferenced */
}

int chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    g_assert(len >= 0);
    for (int i = 0; i < len; i++) {
        fuzz_out_bytes += buf[i] != 0;  /* touch every byte for ASan */
    }
    return len;
}

void chardev_set_handlers(Chardev *chr, CharCanReadFn *can_read,
                          CharReadFn *read, void *opaque)
{
    fuzz_can_read = can_read;
    fuzz_read = read;
    fuzz_opaque = opaque;
}

void chardev_set_event_handler(Chardev *chr, CharEventFn *fn, void *opaque)
{
    fuzz_event = fn;
    fuzz_event_opaque = opaque;
}

void chardev_accept_input(Chardev *chr)
{
}

bool guest_debug_insert(Machine *m, GuestDebugType type, vaddr addr,
                        vaddr len, GError **errp)
{
    if (type > GDB_WATCHPOINT_ACCESS || fuzz_points >= GUEST_DEBUG_MAX_POINTS
        || (type >= GDB_WATCHPOINT_WRITE &&
            (!len || len > GUEST_DEBUG_MAX_WP_LEN))) {
        return false;
    }
    fuzz_points++;
    return true;
}

bool guest_debug_remove(Machine *m, GuestDebugType type, vaddr addr,
                        vaddr len)
{
    if (type > GDB_WATCHPOINT_ACCESS || !fuzz_points) {
        return false;
    }
    fuzz_points--;
    return true;
}

void guest_debug_remove_all(Machine *m)
{
    fuzz_points = 0;
}

bool guest_debug_set_singlestep(X86CPU *cpu, bool on, GError **errp)
{
    return true;
}

uint64_t guest_debug_eflags(const X86CPUState *env)
{
    return env->eflags | 2;
}

bool guest_debug_rw_memory(X86CPU *cpu, vaddr addr, void *buf, size_t len,
                           bool is_write)
{
    if (addr >= FUZZ_MEM || len > FUZZ_MEM - addr) {
        return false;
    }
    if (!len) {
        return true;                    /* buf may be NULL */
    } else if (is_write) {
        memcpy(fuzz_mem + addr, buf, len);
    } else {
        memcpy(buf, fuzz_mem + addr, len);
    }
    return true;
}

/* The i-th point is a software (even i) or hardware breakpoint at 0. */
bool guest_debug_point(unsigned i, GuestDebugType *type, vaddr *addr,
                       vaddr *len)
{
    if (i >= fuzz_points) {
        return false;
    }
    *type = i % 2 ? GDB_BREAKPOINT_HW : GDB_BREAKPOINT_SW;
    *addr = 0;
    *len = 1;
    return true;
}

/* A model with long mode: the stub offers the x86-64 layout. */
const X86CPUModel *x86_cpu_machine_model(void)
{
    static const X86CPUModel model = { .ext_features_edx = CPUID_EXT_LM };

    return &model;
}

bool guest_debug_take_hit(X86CPU *cpu, GuestDebugHit *hit)
{
    if (!(cpu->env.regs[R_EAX] & 1)) {
        return false;
    }
    hit->type = GDB_WATCHPOINT_WRITE + cpu->env.regs[R_EAX] % 3;
    hit->addr = cpu->env.regs[R_EBX];
    return true;
}

void x86_cpu_set_eflags(X86CPUState *env, uint64_t eflags)
{
    env->eflags = eflags;
}

void x86_cpu_update_hflags(X86CPUState *env)
{
}

/* ---- driving it ---- */

static void fuzz_run_idle(void)
{
    while (g_main_context_iteration(NULL, false)) {
    }
}

static void fuzz_feed(const uint8_t *buf, size_t len)
{
    while (len) {
        int room = fuzz_can_read(fuzz_opaque);
        size_t n = MIN(len, (size_t)MAX(room, 1));

        fuzz_read(fuzz_opaque, buf, n);
        fuzz_run_idle();
        buf += n;
        len -= n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;

    if (!fuzz_read) {
        fuzz_cpus[1].index = 1;
        fuzz_cpus[0].machine = fuzz_cpus[1].machine = &fuzz_machine;
        if (!gdbserver_start("tcp::1234", NULL)) {
            abort();
        }
    }
    for (int i = 0; i < 2; i++) {
        fuzz_cpus[i].env = (X86CPUState) { .fpuc = 0x37f, .mxcsr = 0x1f80 };
        fuzz_cpus[i].env.regs[R_EAX] = i;
    }
    fuzz_event(fuzz_event_opaque, CHR_EVENT_OPENED);
    fuzz_run_idle();
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', end - p);
        size_t len = (nl ? nl : end) - p;

        if (len && p[0] == 1) {
            fuzz_feed(p + 1, len - 1);
        } else if (len && p[0] == 2) {
            if (vcpu_debug_exit_hook) {
                vcpu_debug_exit_hook(&fuzz_cpus[len & 1]);
            }
            fuzz_run_idle();
        } else {
            g_autoptr(GString) pkt = g_string_new(NULL);

            gdb_frame(pkt, (const char *)p, len);
            fuzz_feed((const uint8_t *)pkt->str, pkt->len);
        }
        p += len + (nl != NULL);
    }
    fuzz_event(fuzz_event_opaque, CHR_EVENT_CLOSED);
    fuzz_run_idle();
    return 0;
}
