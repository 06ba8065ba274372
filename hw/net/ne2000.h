/* SPDX-License-Identifier: MIT */
/*
 * The NE2000 core (hw/net/ne2000.c) shared by its ISA and PCI
 * front-ends (hw/net/ne2000-bus.c): a DP8390 with 32 KiB of packet
 * memory and the station-address PROM, in 32 ports.
 */
#ifndef KESTREL_HW_NET_NE2000_H
#define KESTREL_HW_NET_NE2000_H

#include "kestrel/osdep.h"
#include "kestrel/net.h"

#define NE2000_PORTS        0x20
#define NE2000_MEM_START    0x4000      /* packet memory: pages 0x40-0xbf */
#define NE2000_MEM_END      0xc000
#define NE2000_DATA_PORT    0x10
#define NE2000_RESET_PORT   0x1f

typedef struct Ne2000State {
    NetClient nc;
    void (*set_irq)(void *opaque, int level);  /* the front-end's line */
    void *irq_opaque;
    uint8_t macaddr[ETH_ALEN];
    uint8_t cmd, isr, imr, rcr, tcr, dcr, tsr, rsr;
    uint8_t pstart, pstop, bnry, curr, tpsr;
    uint16_t tbcr, rsar, rbcr;
    uint8_t par[ETH_ALEN], mar[8];
    uint8_t prom[32];
    uint8_t mem[NE2000_MEM_END];        /* 0..0x3fff unused (PROM) */
} Ne2000State;

/* Set up the PROM and the client; front-ends call it from realize. */
bool ne2000_init(Ne2000State *s, const char *type, const char *id,
                 const char *macstr, const char *netdev, GError **errp);
void ne2000_reset(Ne2000State *s);
void ne2000_cleanup(Ne2000State *s);
uint64_t ne2000_read(void *opaque, hwaddr addr, unsigned size);
void ne2000_write(void *opaque, hwaddr addr, uint64_t val, unsigned size);

#endif /* KESTREL_HW_NET_NE2000_H */
