/* SPDX-License-Identifier: MIT */
/*
 * One 8254 counter: count and OUT computed on demand from the virtual
 * clock (never ticked) in modes 0-5, binary or BCD; the gate input; count
 * loading, including the mode 2/3 reload at the end of the running cycle.
 * i8254.c drives the ports and IRQ 0 from these.
 * Ref: Intel 8254 datasheet 231164, "Modes" 0-5, Figure "Gate Pin
 * Operations Summary".
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "kestrel/timer.h"
#include "hw/timer/i8254-int.h"

#define PIT_FREQ            1193182     /* Hz */

uint64_t pit_ticks(int64_t from, int64_t to)
{
    if (to <= from) {
        return 0;
    }
    return (unsigned __int128)(to - from) * PIT_FREQ / NANOSECONDS_PER_SECOND;
}

/* The first virtual time at which tick k (from load) has happened. */
static int64_t pit_tick_ns(int64_t load, uint64_t k)
{
    unsigned __int128 ns = (unsigned __int128)k * NANOSECONDS_PER_SECOND;

    return load + (int64_t)((ns + PIT_FREQ - 1) / PIT_FREQ);
}

static uint16_t pit_to_bcd(uint32_t v)
{
    return (v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
           (v / 1000 % 10) << 12;
}

static uint32_t pit_from_bcd(uint16_t v)
{
    return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 +
           (v >> 12 & 0xf) * 1000;
}

/* Modes 2/3: a count written while counting starts at the cycle's end. */
static void pit_settle(PitChannel *ch, int64_t now)
{
    if (ch->switch_ns >= 0 && now >= ch->switch_ns) {
        ch->count = ch->reload;
        ch->load_ns = ch->switch_ns;
        ch->switch_ns = -1;
    }
}

/* Count (binary, 1..0x10000) and OUT at time now. */
static void pit_state_at(PitChannel *ch, int64_t now, uint32_t *value,
                         bool *out)
{
    uint32_t mod = ch->bcd ? 10000 : 0x10000;
    uint64_t n, d, r;

    pit_settle(ch, now);
    if (!ch->counting) {
        *value = ch->frozen_value;
        *out = ch->frozen_out;
        return;
    }
    n = ch->count;
    d = pit_ticks(ch->load_ns, now);
    r = d % n;
    switch (ch->mode) {
    case 0:
    case 1:
        *value = (n + mod - d % mod) % mod;
        *out = d >= n;
        break;
    case 2:
        *value = n - r;
        *out = r != n - 1;
        break;
    case 3:
        *value = n - (2 * r) % n;
        *out = r < (n + 1) / 2;
        break;
    default:                            /* 4, 5: strobe at terminal count */
        *value = (n + mod - d % mod) % mod;
        *out = d != n;
        break;
    }
}

bool pit_out(PitChannel *ch, int64_t now)
{
    uint32_t value;
    bool out;

    pit_state_at(ch, now, &value, &out);
    return out;
}

/* The 16 bits a read returns (BCD-coded in BCD mode). */
uint16_t pit_read_value(PitChannel *ch, int64_t now)
{
    uint32_t value;
    bool out;

    pit_state_at(ch, now, &value, &out);
    return ch->bcd ? pit_to_bcd(value % 10000) : value;
}

/* Stop counting, keeping what the pins show now. */
void pit_freeze(PitChannel *ch, int64_t now)
{
    uint32_t value;
    bool out;

    pit_state_at(ch, now, &value, &out);
    if (ch->counting) {
        ch->frozen_ticks = pit_ticks(ch->load_ns, now);
    }
    ch->frozen_value = value;
    ch->frozen_out = out;
    ch->counting = false;
    ch->switch_ns = -1;
}

static void pit_start(PitChannel *ch, int64_t now)
{
    ch->count = ch->reload;
    ch->load_ns = now;
    ch->counting = true;
    ch->armed = false;
    ch->switch_ns = -1;
}

/* The next virtual time after now at which OUT changes, or -1. */
int64_t pit_next_edge(PitChannel *ch, int64_t now)
{
    uint64_t n = ch->count, d, r, next;

    if (!ch->counting) {
        return -1;
    }
    d = pit_ticks(ch->load_ns, now);
    r = d % n;
    switch (ch->mode) {
    case 0:
    case 1:
        if (d >= n) {
            return -1;
        }
        next = n;
        break;
    case 2:
        if (n < 2) {
            return -1;
        }
        next = d - r + (r < n - 1 ? n - 1 : n);
        break;
    case 3:
        if (n < 2) {
            return -1;
        }
        next = d - r + (r < (n + 1) / 2 ? (n + 1) / 2 : n);
        break;
    default:
        if (d > n) {
            return -1;
        }
        next = d < n ? n : n + 1;
        break;
    }
    return pit_tick_ns(ch->load_ns, next);
}

void pit_set_gate(PitChannel *ch, bool gate, int64_t now)
{
    if (gate == ch->gate) {
        return;
    }
    ch->gate = gate;
    if (!ch->loaded) {
        return;
    }
    switch (ch->mode) {
    case 0:
    case 4:
        if (!gate) {
            pit_freeze(ch, now);
        } else if (!ch->counting) {
            /* a count written while the gate was low starts here */
            ch->count = ch->reload;
            ch->load_ns = now - (pit_tick_ns(0, ch->frozen_ticks));
            ch->counting = true;
        }
        break;
    case 2:
    case 3:
        if (!gate) {
            pit_freeze(ch, now);
            ch->frozen_out = true;      /* gate low forces OUT high */
        } else {
            pit_start(ch, now);
        }
        break;
    default:                            /* 1, 5: a rising edge triggers */
        if (gate) {
            pit_start(ch, now);
        }
        break;
    }
}

void pit_load(PitChannel *ch, uint16_t raw, int64_t now)
{
    uint32_t n = ch->bcd ? pit_from_bcd(raw) : raw;

    if (ch->bcd && raw != pit_to_bcd(n)) {
        ks_log_mask(LOG_GUEST_ERROR, "i8254: count 0x%04x is not BCD\n",
                    raw);
    }
    if (n == 0) {
        n = ch->bcd ? 10000 : 0x10000;
    }
    ch->reload = n;
    switch (ch->mode) {
    case 0:
    case 4:
        ch->loaded = true;
        if (ch->gate) {
            pit_start(ch, now);
        } else {
            ch->frozen_ticks = 0;
            ch->frozen_value = n;
            ch->frozen_out = ch->mode == 4;
        }
        break;
    case 2:
    case 3:
        if (ch->counting) {
            uint64_t d = pit_ticks(ch->load_ns, now);

            ch->switch_ns = pit_tick_ns(ch->load_ns,
                                        (d / ch->count + 1) * ch->count);
        } else {
            ch->loaded = true;
            if (ch->gate) {
                pit_start(ch, now);
            }
        }
        break;
    default:                            /* 1, 5: wait for the trigger */
        ch->loaded = true;
        ch->armed = !ch->counting;
        break;
    }
}
