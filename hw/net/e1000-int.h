/* SPDX-License-Identifier: MIT */
/*
 * Intel 82540EM (e1000): state and register names shared by
 * hw/net/e1000.c (registers, EEPROM, PHY, interrupts, PCI) and
 * hw/net/e1000-ring.c (receive and transmit descriptor rings).
 * Ref: PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual (82540EM), chapter 13 (registers), 3 (rings).
 */
#ifndef KESTREL_HW_NET_E1000_INT_H
#define KESTREL_HW_NET_E1000_INT_H

#include "kestrel/osdep.h"
#include "kestrel/net.h"
#include "kestrel/pci.h"
#include "kestrel/timer.h"

/* Register offsets (SDM 13.4), in bytes from BAR 0. */
#define E1000_CTRL      0x0000
#define E1000_STATUS    0x0008
#define E1000_EECD      0x0010
#define E1000_EERD      0x0014
#define E1000_CTRL_EXT  0x0018
#define E1000_MDIC      0x0020
#define E1000_VET       0x0038
#define E1000_ICR       0x00c0
#define E1000_ITR       0x00c4
#define E1000_ICS       0x00c8
#define E1000_IMS       0x00d0
#define E1000_IMC       0x00d8
#define E1000_RCTL      0x0100
#define E1000_TCTL      0x0400
#define E1000_RDBAL     0x2800
#define E1000_RDBAH     0x2804
#define E1000_RDLEN     0x2808
#define E1000_RDH       0x2810
#define E1000_RDT       0x2818
#define E1000_RDTR      0x2820
#define E1000_RADV      0x282c
#define E1000_TDBAL     0x3800
#define E1000_TDBAH     0x3804
#define E1000_TDLEN     0x3808
#define E1000_TDH       0x3810
#define E1000_TDT       0x3818
#define E1000_TIDV      0x3820
#define E1000_TADV      0x382c
#define E1000_STATS     0x4000          /* 0x4000-0x40ff: counters */
#define E1000_STATS_END 0x4100
#define E1000_MTA       0x5200          /* 128 multicast hash words */
#define E1000_RA        0x5400          /* 16 RAL/RAH pairs */
#define E1000_VFTA      0x5600          /* 128 VLAN filter words */
#define E1000_REG_END   0x5c00          /* registers kept in s->mac[] */

/* Statistics (SDM 13.7), offsets from 0. */
#define E1000_MPC       0x4010
#define E1000_PRC64     0x405c
#define E1000_GPRC      0x4074
#define E1000_BPRC      0x4078
#define E1000_MPRC      0x407c
#define E1000_GPTC      0x4080
#define E1000_GORCL     0x4088
#define E1000_GOTCL     0x4090
#define E1000_RNBC      0x40a0
#define E1000_TORL      0x40c0
#define E1000_TOTL      0x40c8
#define E1000_TPR       0x40d0
#define E1000_TPT       0x40d4
#define E1000_PTC64     0x40d8
#define E1000_MPTC      0x40f0
#define E1000_BPTC      0x40f4

#define E1000_CTRL_RST  (1u << 26)
#define E1000_CTRL_VME  (1u << 30)
#define E1000_CTRL_PHY_RST (1u << 31)

#define E1000_STATUS_FD 0x00000001
#define E1000_STATUS_LU 0x00000002
#define E1000_STATUS_SPEED_1000 0x00000080
#define E1000_STATUS_ASDV_1000 0x00000200

#define E1000_RCTL_EN   (1u << 1)
#define E1000_RCTL_UPE  (1u << 3)
#define E1000_RCTL_MPE  (1u << 4)
#define E1000_RCTL_LPE  (1u << 5)
#define E1000_RCTL_RDMTS_SHIFT 8
#define E1000_RCTL_MO_SHIFT 12
#define E1000_RCTL_BAM  (1u << 15)
#define E1000_RCTL_BSIZE_SHIFT 16
#define E1000_RCTL_BSEX (1u << 25)
#define E1000_RCTL_SECRC (1u << 26)
#define E1000_TCTL_EN   (1u << 1)
#define E1000_RAH_AV    (1u << 31)
#define E1000_RDTR_FPD  (1u << 31)

/* ICR/ICS/IMS/IMC bits (SDM 13.4.17) */
#define E1000_ICR_TXDW  0x00000001
#define E1000_ICR_TXQE  0x00000002
#define E1000_ICR_LSC   0x00000004
#define E1000_ICR_RXDMT0 0x00000010
#define E1000_ICR_RXO   0x00000040
#define E1000_ICR_RXT0  0x00000080
#define E1000_ICR_MDAC  0x00000200
#define E1000_ICR_TXD_LOW 0x00008000
#define E1000_ICR_MASK  0x0001f6df      /* bits the 82540EM has */

#define E1000_EEPROM_WORDS 64
#define E1000_EEPROM_SUM   0xbaba
#define E1000_PHY_REGS     32
#define E1000_TX_BUF       (NET_MAX_FRAME + 256)
#define E1000_RX_MAX       16384        /* largest frame taken (LPE) */

typedef struct E1000TxContext {
    uint8_t ipcss, ipcso, tucss, tucso;
    uint16_t ipcse, tucse;
    uint32_t paylen;
    uint8_t tucmd, hdrlen;
    uint16_t mss;
} E1000TxContext;

typedef struct E1000State {
    PciDevice pci;                      /* first */
    MemRegion mmio, io;
    NetClient nc;
    char *netdev, *macstr;              /* properties */
    uint8_t macaddr[ETH_ALEN];
    uint32_t mac[E1000_REG_END / 4];    /* register file */
    uint16_t eeprom[E1000_EEPROM_WORDS];
    uint16_t phy[E1000_PHY_REGS];
    uint32_t ioaddr;                    /* I/O BAR IOADDR */
    /* EECD Microwire bit-bang state */
    uint32_t ee_in;                     /* bits shifted in */
    unsigned ee_nbits_in;
    unsigned ee_out_bit;                /* next data bit out, 16: none */
    uint8_t ee_addr;
    bool ee_reading;
    uint8_t ee_do;                      /* the DO pin */
    /* interrupt moderation (ITR) and delay timers */
    Timer *itr_timer, *rx_timer, *tx_timer;
    int64_t itr_next_ns;                /* earliest next assertion */
    int64_t rx_abs_ns, rx_pkt_ns;       /* RADV / RDTR deadlines, -1 off */
    int64_t tx_abs_ns, tx_pkt_ns;       /* TADV / TIDV deadlines */
    bool irq_level;
    /* transmit */
    E1000TxContext ctx;
    uint8_t *txbuf;
    uint32_t txlen;
    bool tx_tse, tx_bad;                /* the packet being gathered */
    uint8_t tx_popts;
    uint16_t tx_vlan;
    bool tx_vle;
    uint16_t tx_ip_id;
    uint8_t rxbuf[E1000_RX_MAX + 4];
} E1000State;

static inline uint32_t e1000_reg(E1000State *s, uint32_t off)
{
    return s->mac[off >> 2];
}

static inline void e1000_set_reg(E1000State *s, uint32_t off, uint32_t v)
{
    s->mac[off >> 2] = v;
}

/* e1000.c */
void e1000_set_ics(E1000State *s, uint32_t bits);
void e1000_stat_add(E1000State *s, uint32_t off, uint64_t n);
void e1000_arm_delay(E1000State *s, bool rx, uint32_t pkt_units,
                     uint32_t abs_units);

/* e1000-ring.c */
bool e1000_receive(NetClient *nc, const uint8_t *buf, size_t len);
void e1000_start_xmit(E1000State *s);
void e1000_tx_reset(E1000State *s);

#endif /* KESTREL_HW_NET_E1000_INT_H */
