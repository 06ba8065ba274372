/* SPDX-License-Identifier: MIT */
/*
 * The guest debug table (include/kestrel/guest-debug.h): breakpoints and
 * watchpoints by linear address, per-vCPU single-step, and the last
 * watchpoint hit of each vCPU. The GDB stub changes it with the vCPUs
 * stopped, then tells every vCPU's accelerator through set_guest_debug.
 * Ref: GDB manual, "Remote Protocol", "Packets" (Z0-Z4 semantics).
 * Missing: per-vCPU breakpoints (every point applies to every vCPU) and
 * conditions evaluated on the target (gdb evaluates them itself).
 */
#include "kestrel/osdep.h"
#include "kestrel/guest-debug.h"
#include "kestrel/bql.h"
#include "kestrel/memory.h"
#include "cpu/x86/cpu.h"

typedef struct GuestDebugPoint {
    GuestDebugType type;
    vaddr addr;
    vaddr len;
} GuestDebugPoint;

unsigned guest_debug_nr_bp;
unsigned guest_debug_nr_wp;
unsigned guest_debug_generation;

static GuestDebugPoint points[GUEST_DEBUG_MAX_POINTS];
static unsigned nr_points;
static bool stepping[GUEST_DEBUG_MAX_CPUS];
static GuestDebugHit hits[GUEST_DEBUG_MAX_CPUS];
static bool hit_valid[GUEST_DEBUG_MAX_CPUS];

static bool is_watch(GuestDebugType type)
{
    return type >= GDB_WATCHPOINT_WRITE;
}

static bool cpu_update(X86CPU *cpu, GError **errp)
{
    unsigned flags = 0;

    if (guest_debug_nr_bp) {
        flags |= GUEST_DEBUG_SW_BP | GUEST_DEBUG_HW_BP;
    }
    if (cpu->index < GUEST_DEBUG_MAX_CPUS && stepping[cpu->index]) {
        flags |= GUEST_DEBUG_SINGLESTEP;
    }
    if (!cpu->accel->set_guest_debug) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "the %s accelerator cannot debug the guest",
                    cpu->accel->name);
        return false;
    }
    return cpu->accel->set_guest_debug(cpu, flags, errp);
}

static bool update_all(Machine *m, GError **errp)
{
    guest_debug_nr_bp = guest_debug_nr_wp = 0;
    for (unsigned i = 0; i < nr_points; i++) {
        if (is_watch(points[i].type)) {
            guest_debug_nr_wp++;
        } else {
            guest_debug_nr_bp++;
        }
    }
    guest_debug_generation++;
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        if (!cpu_update(m->cpus[i], errp)) {
            return false;
        }
    }
    return true;
}

bool guest_debug_insert(Machine *m, GuestDebugType type, vaddr addr,
                        vaddr len, GError **errp)
{
    if (type > GDB_WATCHPOINT_ACCESS) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "unknown breakpoint type %d", type);
        return false;
    }
    if (is_watch(type) && (len == 0 || len > GUEST_DEBUG_MAX_WP_LEN)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "watchpoint length %" PRIu64 " (1..%u)", len,
                    GUEST_DEBUG_MAX_WP_LEN);
        return false;
    }
    for (unsigned i = 0; i < nr_points; i++) {
        if (points[i].type == type && points[i].addr == addr &&
            points[i].len == len) {
            return true;                /* gdb may insert twice */
        }
    }
    if (nr_points == GUEST_DEBUG_MAX_POINTS) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "at most %d breakpoints and watchpoints",
                    GUEST_DEBUG_MAX_POINTS);
        return false;
    }
    points[nr_points++] = (GuestDebugPoint) { type, addr, len };
    if (!update_all(m, errp)) {
        nr_points--;
        update_all(m, NULL);
        return false;
    }
    return true;
}

bool guest_debug_remove(Machine *m, GuestDebugType type, vaddr addr,
                        vaddr len)
{
    for (unsigned i = 0; i < nr_points; i++) {
        if (points[i].type == type && points[i].addr == addr &&
            (points[i].len == len || !is_watch(type))) {
            points[i] = points[--nr_points];
            update_all(m, NULL);
            return true;
        }
    }
    return false;
}

bool guest_debug_sync(Machine *m, GError **errp)
{
    return update_all(m, errp);
}

bool guest_debug_point(unsigned i, GuestDebugType *type, vaddr *addr,
                       vaddr *len)
{
    if (i >= nr_points) {
        return false;
    }
    *type = points[i].type;
    *addr = points[i].addr;
    *len = points[i].len;
    return true;
}

void guest_debug_set_hit(X86CPU *cpu, GuestDebugType type, vaddr addr)
{
    if (cpu->index < GUEST_DEBUG_MAX_CPUS) {
        hits[cpu->index] = (GuestDebugHit) { type, addr };
        hit_valid[cpu->index] = true;
    }
}

void guest_debug_remove_all(Machine *m)
{
    nr_points = 0;
    memset(stepping, 0, sizeof(stepping));
    memset(hit_valid, 0, sizeof(hit_valid));
    update_all(m, NULL);
}

bool guest_debug_set_singlestep(X86CPU *cpu, bool on, GError **errp)
{
    if (cpu->index >= GUEST_DEBUG_MAX_CPUS) {
        g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                    "cpu %d cannot be single-stepped", cpu->index);
        return false;
    }
    stepping[cpu->index] = on;
    return cpu_update(cpu, errp);
}

bool guest_debug_bp_at(vaddr pc)
{
    for (unsigned i = 0; i < nr_points; i++) {
        if (!is_watch(points[i].type) && points[i].addr == pc) {
            return true;
        }
    }
    return false;
}

bool guest_debug_page_watched(vaddr page)
{
    for (unsigned i = 0; i < nr_points; i++) {
        if (is_watch(points[i].type) && points[i].addr <= page + 4095 &&
            points[i].addr + points[i].len - 1 >= page) {
            return true;
        }
    }
    return false;
}

bool guest_debug_check_watch(X86CPU *cpu, vaddr addr, unsigned len,
                             bool is_write)
{
    for (unsigned i = 0; i < nr_points; i++) {
        const GuestDebugPoint *p = &points[i];

        if (!is_watch(p->type) || p->addr > addr + len - 1 ||
            p->addr + p->len - 1 < addr ||
            (p->type == GDB_WATCHPOINT_WRITE && !is_write) ||
            (p->type == GDB_WATCHPOINT_READ && is_write)) {
            continue;
        }
        if (cpu->index < GUEST_DEBUG_MAX_CPUS) {
            hits[cpu->index] = (GuestDebugHit) { p->type, p->addr };
            hit_valid[cpu->index] = true;
        }
        return true;
    }
    return false;
}

uint64_t guest_debug_eflags(const X86CPUState *env)
{
    return env->cc_op ? x86_cpu_get_eflags(env) : env->eflags;
}

/* Write even ROM (as a debugger does) and keep the TB cache exact. */
static void rw_physical(hwaddr pa, uint8_t *buf, size_t len, bool is_write)
{
    const FlatRange *f = as_lookup(&address_space_memory, pa);

    if (is_write && f && f->mr->host && pa + len - 1 <= f->end) {
        uint64_t off = pa - f->start + f->offset;

        memcpy(f->mr->host + off, buf, len);
        if (mem_code_write_hook) {
            mem_code_write_hook(f->mr, off, len);
        }
        return;
    }
    as_rw(&address_space_memory, pa, buf, len, is_write);
}

bool guest_debug_rw_memory(X86CPU *cpu, vaddr addr, void *buf, size_t len,
                           bool is_write)
{
    uint8_t *p = buf;
    bool ok = true;

    bql_lock();
    while (len > 0) {
        size_t n = MIN(len, 4096 - (addr & 4095));
        hwaddr pa = addr;

        if (cpu) {
            pa = x86_mmu_debug_translate(&cpu->env, addr);
            if (pa == (hwaddr)-1) {
                ok = false;
                break;
            }
        }
        rw_physical(pa, p, n, is_write);
        addr += n;
        p += n;
        len -= n;
    }
    bql_unlock();
    return ok;
}

bool guest_debug_take_hit(X86CPU *cpu, GuestDebugHit *hit)
{
    if (cpu->index >= GUEST_DEBUG_MAX_CPUS || !hit_valid[cpu->index]) {
        return false;
    }
    *hit = hits[cpu->index];
    hit_valid[cpu->index] = false;
    return true;
}
