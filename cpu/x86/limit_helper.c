/* SPDX-License-Identifier: MIT */
/*
 * The run-time half of the segment limit checks (limit.h): called by
 * translated code when its inline filter could not prove an access
 * within its segment (emit-limit.c decides when). Raises the fault with
 * the state of the faulting instruction restored from the host return
 * address, so the translator need not sync EIP first.
 *
 * Real and V86 mode check the cached limit and expand-down bit only (a
 * 386+ keeps them from the last protected-mode load); protected mode also
 * checks presence (a null selector loads an absent segment) and the type.
 * Ref: Intel SDM Vol. 3A 5.3 (limit checking, expand-down), 5.4 (type
 * checking), Vol. 2 the exception lists of each instruction.
 * Missing: the alignment check (#AC).
 */
#include "kestrel/osdep.h"
#include "tcg/tcg-backend.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/limit.h"

/* Type check in protected mode: false when the access is not allowed. */
static bool limit_type_ok(const SegmentCache *sc, bool write)
{
    if (!(sc->flags & DESC_P_MASK)) {
        return false;                   /* null selector or absent */
    }
    if (sc->flags & DESC_CS_MASK) {
        return !write && (sc->flags & DESC_R_MASK);
    }
    return !write || (sc->flags & DESC_W_MASK);
}

/* Does [off, off + size - 1] lie inside the segment? */
static bool limit_range_ok(const SegmentCache *sc, uint64_t off,
                           unsigned size)
{
    uint64_t last = off + size - 1;
    bool data = (sc->flags & DESC_S_MASK) && !(sc->flags & DESC_CS_MASK);

    if (data && (sc->flags & DESC_E_MASK)) {
        uint64_t upper = (sc->flags & DESC_B_MASK) ? 0xffffffffull : 0xffff;

        return off > sc->limit && last <= upper;
    }
    return last <= sc->limit;
}

void helper_check_limit(X86CPUState *env, uint64_t desc, uint64_t ea)
{
    unsigned seg = desc & LIMIT_SEG_MASK;
    unsigned size = (desc >> LIMIT_SIZE_SHIFT) & LIMIT_SIZE_MASK;
    unsigned count = (desc >> LIMIT_COUNT_SHIFT) & LIMIT_COUNT_MASK;
    uint64_t mask = (desc & LIMIT_ADDR32) ? 0xffffffffull : 0xffff;
    const SegmentCache *sc = &env->segs[seg];
    bool pm = (env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK);
    int excp = seg == R_SS ? EXCP_SS : EXCP_GP;

    if (pm && !limit_type_ok(sc, desc & LIMIT_WRITE)) {
        raise_exception_ra(env, excp, TCG_GETPC());     /* code 0 */
    }
    for (unsigned k = 0; k < count; k++) {
        if (!limit_range_ok(sc, (ea + (uint64_t)k * size) & mask, size)) {
            raise_exception_ra(env, excp, TCG_GETPC());     /* code 0 */
        }
    }
}
