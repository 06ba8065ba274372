/* SPDX-License-Identifier: MIT */
/*
 * One 8254 counter, shared by i8254.c (ports, control word, latches, IRQ 0
 * timer) and i8254-count.c (counting, OUT, gate, count loading).
 */
#ifndef KESTREL_HW_TIMER_I8254_INT_H
#define KESTREL_HW_TIMER_I8254_INT_H

#include "kestrel/osdep.h"

typedef struct PitChannel {
    uint32_t reload;                    /* last count written (binary) */
    uint32_t count;                     /* N of the running cycle */
    int64_t load_ns;                    /* virtual time of tick 0 */
    int64_t switch_ns;                  /* modes 2/3: reload starts; -1 */
    uint64_t frozen_ticks;              /* modes 0/4: ticks done at gate low */
    uint32_t frozen_value;              /* count while not counting */
    bool frozen_out;                    /* OUT while not counting */
    bool counting;
    bool loaded;                        /* count written since control word */
    bool armed;                         /* modes 1/5: count awaits a trigger */
    bool gate;
    uint8_t mode;                       /* 0..5 */
    uint8_t rw;                         /* PIT_RW_* */
    bool bcd;
    bool write_msb;                     /* LSB/MSB: the MSB comes next */
    uint8_t write_lsb;
    bool read_msb;
    bool count_latched;
    uint16_t latched;
    bool status_latched;
    uint8_t status;
} PitChannel;

/* Whole counter ticks between two virtual times. */
uint64_t pit_ticks(int64_t from, int64_t to);
/* OUT at time now. */
bool pit_out(PitChannel *ch, int64_t now);
/* The 16 bits a read returns (BCD-coded in BCD mode). */
uint16_t pit_read_value(PitChannel *ch, int64_t now);
/* Stop counting, keeping what the pins show now. */
void pit_freeze(PitChannel *ch, int64_t now);
/* The next virtual time after now at which OUT changes, or -1. */
int64_t pit_next_edge(PitChannel *ch, int64_t now);
void pit_set_gate(PitChannel *ch, bool gate, int64_t now);
/* A count written (raw: as the guest wrote it, BCD-coded in BCD mode). */
void pit_load(PitChannel *ch, uint16_t raw, int64_t now);

#endif /* KESTREL_HW_TIMER_I8254_INT_H */
