/* SPDX-License-Identifier: MIT */
/*
 * NE2000: a National DP8390 network interface controller with 32 KiB of
 * on-card packet memory (0x4000-0xbfff) and a PROM holding the MAC (each
 * byte twice, 'W' 'W' at 14-15 for word mode), reached through 32 I/O
 * ports: 0x00-0x0f the DP8390 registers in three pages (CR.PS), 0x10
 * the remote DMA data port, 0x1f the reset port. The host moves frames
 * with remote DMA (RSAR/RBCR, wrapping at PSTOP as the chip does);
 * received frames land in the PSTART..PSTOP ring at CURR with a 4-byte
 * header, the driver frees them by moving BNRY. The front-ends
 * (hw/net/ne2000-bus.c: ne2k_isa, ne2k_pci = RTL8029) own ports and IRQ.
 * Ref: National DP8390D NIC datasheet (register map, "Buffer Management",
 * "Remote DMA"); Realtek RTL8029AS datasheet (the ID bytes 'P' 'C').
 * Missing: loopback modes (TCR.LB, frames are sent), local DMA to the
 * FIFO (FIFO reads 0), tally counters (always 0), CRC errors, the
 * RTL8029's page 3 configuration registers, the RTL8029 full duplex bit.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/net/ne2000.h"

KS_TRACE_DEFINE(ne2000);                /* -d trace:ne2000 */

/* Page 0 registers (read | write names share offsets) */
#define EN0_CLDALO      0x01            /* r: CLDA0, w: PSTART */
#define EN0_CLDAHI      0x02            /* r: CLDA1, w: PSTOP */
#define EN0_BOUNDARY    0x03
#define EN0_TSR         0x04            /* r: TSR, w: TPSR */
#define EN0_NCR         0x05            /* r: NCR, w: TBCR0 */
#define EN0_FIFO        0x06            /* r: FIFO, w: TBCR1 */
#define EN0_ISR         0x07
#define EN0_RSARLO      0x08            /* r: CRDA0 */
#define EN0_RSARHI      0x09            /* r: CRDA1 */
#define EN0_RCNTLO      0x0a            /* r: RTL8029 ID 'P' */
#define EN0_RCNTHI      0x0b            /* r: RTL8029 ID 'C' */
#define EN0_RXCR        0x0c            /* r: RSR, w: RCR */
#define EN0_TXCR        0x0d            /* r: CNTR0, w: TCR */
#define EN0_DCFG        0x0e            /* r: CNTR1, w: DCR */
#define EN0_IMR         0x0f            /* r: CNTR2, w: IMR */
#define EN1_CURPAG      0x07            /* page 1: PAR0-5 at 1-6, MAR 8-f */

#define E8390_STOP      0x01
#define E8390_START     0x02
#define E8390_TRANS     0x04
#define E8390_RREAD     0x08
#define E8390_RWRITE    0x10
#define E8390_NODMA     0x20
#define E8390_PAGE_SHIFT 6

#define ENISR_RX        0x01
#define ENISR_TX        0x02
#define ENISR_OVER      0x10
#define ENISR_RDC       0x40
#define ENISR_RESET     0x80
#define ENTSR_PTX       0x01
#define ENRSR_RXOK      0x01
#define ENRSR_PHY       0x20
#define ENRCR_AB        0x04
#define ENRCR_AM        0x08
#define ENRCR_PRO       0x10
#define ENDCFG_WTS      0x01

static void ne2000_update_irq(Ne2000State *s)
{
    s->set_irq(s->irq_opaque, (s->isr & s->imr & 0x7f) != 0);
}

void ne2000_reset(Ne2000State *s)
{
    s->cmd = E8390_STOP | E8390_NODMA;
    s->isr = ENISR_RESET;
    s->imr = 0;
    ne2000_update_irq(s);
}

/* ---- the packet memory and remote DMA ---- */

static uint8_t ne2000_mem_readb(Ne2000State *s, uint32_t addr)
{
    if (addr < 32) {
        return s->prom[addr];
    }
    if (addr >= NE2000_MEM_START && addr < NE2000_MEM_END) {
        return s->mem[addr];
    }
    return 0xff;
}

static void ne2000_mem_writeb(Ne2000State *s, uint32_t addr, uint8_t val)
{
    if (addr >= NE2000_MEM_START && addr < NE2000_MEM_END) {
        s->mem[addr] = val;
    }
}

/* One remote DMA step of n bytes: advance RSAR (wrapping), count down. */
static void ne2000_dma_step(Ne2000State *s, unsigned n)
{
    s->rsar += n;
    if (s->rsar == (uint16_t)(s->pstop << 8) && s->pstart < s->pstop) {
        s->rsar = s->pstart << 8;
    }
    if (s->rbcr <= n) {
        s->rbcr = 0;
        s->isr |= ENISR_RDC;
        ne2000_update_irq(s);
    } else {
        s->rbcr -= n;
    }
}

static uint32_t ne2000_data_read(Ne2000State *s, unsigned size)
{
    uint32_t val = 0;
    unsigned step = (s->dcr & ENDCFG_WTS) ? 2 : 1;

    for (unsigned i = 0; i < size; i += step) {
        uint32_t v = ne2000_mem_readb(s, s->rsar);

        if (step == 2) {
            v |= ne2000_mem_readb(s, s->rsar + 1) << 8;
        }
        val |= v << (8 * i);
        ne2000_dma_step(s, step);
    }
    return val;
}

static void ne2000_data_write(Ne2000State *s, uint32_t val, unsigned size)
{
    unsigned step = (s->dcr & ENDCFG_WTS) ? 2 : 1;

    for (unsigned i = 0; i < size; i += step) {
        if (!s->rbcr) {
            ks_log_mask(LOG_GUEST_ERROR, "ne2000: data port write with "
                        "no remote DMA byte count left\n");
            return;
        }
        ne2000_mem_writeb(s, s->rsar, val >> (8 * i));
        if (step == 2) {
            ne2000_mem_writeb(s, s->rsar + 1, val >> (8 * i + 8));
        }
        ne2000_dma_step(s, step);
    }
}

/* ---- transmit and receive ---- */

static void ne2000_transmit(Ne2000State *s)
{
    uint32_t start = s->tpsr << 8, len = s->tbcr;

    if (start < NE2000_MEM_START || start >= NE2000_MEM_END ||
        len > NE2000_MEM_END - start) {
        ks_log_mask(LOG_GUEST_ERROR, "ne2000: transmit of %u bytes at page "
                    "0x%02x is outside packet memory\n", len, s->tpsr);
    } else if (len) {
        ks_trace(ne2000, "transmit %u bytes from page 0x%02x", len, s->tpsr);
        net_send(&s->nc, s->mem + start, len);
    }
    s->tsr = ENTSR_PTX;
    s->isr |= ENISR_TX;
    s->cmd &= ~E8390_TRANS;
    ne2000_update_irq(s);
}

/* The DP8390 multicast hash: the top 6 bits of the big-endian CRC. */
static unsigned ne2000_mcast_hash(const uint8_t *mac)
{
    uint32_t crc = 0xffffffff;

    for (int i = 0; i < ETH_ALEN; i++) {
        for (int b = 0; b < 8; b++) {
            bool bit = ((crc >> 31) ^ (mac[i] >> b)) & 1;

            crc = (crc << 1) ^ (bit ? 0x04c11db7 : 0);
        }
    }
    return crc >> 26;
}

static bool ne2000_accept(Ne2000State *s, const uint8_t *dst)
{
    static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff,
                                             0xff };
    unsigned h;

    if (s->rcr & ENRCR_PRO) {
        return true;
    }
    if (!memcmp(dst, bcast, ETH_ALEN)) {
        return s->rcr & ENRCR_AB;
    }
    if (dst[0] & 1) {
        h = ne2000_mcast_hash(dst);
        return (s->rcr & ENRCR_AM) && (s->mar[h >> 3] >> (h & 7)) & 1;
    }
    return !memcmp(dst, s->par, ETH_ALEN);
}

static bool ne2000_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    Ne2000State *s = nc->opaque;
    unsigned ring = s->pstop - s->pstart, len, pages, free_pages;
    uint32_t addr, next;
    uint8_t hdr[4];

    if ((s->cmd & E8390_STOP) || size < ETH_HLEN || !ne2000_accept(s, buf)) {
        return true;                    /* dropped */
    }
    if (s->pstart >= s->pstop || (s->pstart << 8) < NE2000_MEM_START ||
        (s->pstop << 8) > NE2000_MEM_END || s->curr < s->pstart ||
        s->curr >= s->pstop || s->bnry < s->pstart || s->bnry >= s->pstop) {
        ks_log_mask(LOG_GUEST_ERROR, "ne2000: receive ring PSTART 0x%02x "
                    "PSTOP 0x%02x CURR 0x%02x BNRY 0x%02x is invalid\n",
                    s->pstart, s->pstop, s->curr, s->bnry);
        return true;
    }
    len = MAX(size, ETH_MIN_FRAME);
    if (len > ring * 256 - 4 - 256) {
        return true;                    /* never fits */
    }
    pages = (len + 4 + 255) / 256;
    free_pages = s->bnry > s->curr ? s->bnry - s->curr
                                   : ring - (s->curr - s->bnry);
    if (pages >= free_pages) {
        s->isr |= ENISR_OVER;
        ne2000_update_irq(s);
        return false;                   /* wait for the driver's BNRY */
    }
    next = s->curr + pages;
    if (next >= s->pstop) {
        next -= ring;
    }
    s->rsr = ENRSR_RXOK | (buf[0] & 1 ? ENRSR_PHY : 0);
    hdr[0] = s->rsr;
    hdr[1] = next;
    hdr[2] = len + 4;
    hdr[3] = (len + 4) >> 8;
    addr = s->curr << 8;
    for (unsigned i = 0; i < len + 4; i++) {
        uint8_t b = i < 4 ? hdr[i] : (i - 4 < size ? buf[i - 4] : 0);

        s->mem[addr++] = b;
        if (addr == (uint32_t)s->pstop << 8) {
            addr = s->pstart << 8;      /* the frame wraps in the ring */
        }
    }
    ks_trace(ne2000, "received %zu bytes at page 0x%02x, next 0x%02x",
             size, s->curr, next);
    s->curr = next;
    s->isr |= ENISR_RX;
    ne2000_update_irq(s);
    return true;
}

/* ---- registers ---- */

static void ne2000_write_cmd(Ne2000State *s, uint8_t val)
{
    s->cmd = val & ~E8390_TRANS;
    if (val & E8390_STOP) {
        s->cmd &= ~E8390_START;
    }
    /* Remote DMA of 0 bytes completes at once (the driver polls RDC). */
    if ((val & (E8390_RREAD | E8390_RWRITE)) && !s->rbcr &&
        !(val & E8390_NODMA)) {
        s->isr |= ENISR_RDC;
        ne2000_update_irq(s);
    }
    if ((val & E8390_TRANS) && (val & E8390_START)) {
        ne2000_transmit(s);
    }
    if (val & E8390_START) {
        net_flush_queue(&s->nc);
    }
}

static void ne2000_write_reg(Ne2000State *s, unsigned reg, uint8_t val)
{
    unsigned page = s->cmd >> E8390_PAGE_SHIFT;

    if (page == 1) {
        if (reg >= 1 && reg <= 6) {
            s->par[reg - 1] = val;
        } else if (reg == EN1_CURPAG) {
            s->curr = val;
            net_flush_queue(&s->nc);
        } else {
            s->mar[reg - 8] = val;
        }
        return;
    }
    if (page != 0) {
        ks_log_mask(LOG_UNIMP, "ne2000: write 0x%02x to page %u register "
                    "0x%x ignored\n", val, page, reg);
        return;
    }
    switch (reg) {
    case EN0_CLDALO:
        s->pstart = val;
        break;
    case EN0_CLDAHI:
        s->pstop = val;
        break;
    case EN0_BOUNDARY:
        s->bnry = val;
        net_flush_queue(&s->nc);        /* the driver freed ring pages */
        break;
    case EN0_TSR:
        s->tpsr = val;
        break;
    case EN0_NCR:
        s->tbcr = (s->tbcr & 0xff00) | val;
        break;
    case EN0_FIFO:
        s->tbcr = (s->tbcr & 0x00ff) | val << 8;
        break;
    case EN0_ISR:                       /* write 1 to clear */
        s->isr &= ~(val & 0x7f);
        if (val & ENISR_RESET) {
            s->isr &= ~ENISR_RESET;
        }
        ne2000_update_irq(s);
        break;
    case EN0_RSARLO:
        s->rsar = (s->rsar & 0xff00) | val;
        break;
    case EN0_RSARHI:
        s->rsar = (s->rsar & 0x00ff) | val << 8;
        break;
    case EN0_RCNTLO:
        s->rbcr = (s->rbcr & 0xff00) | val;
        break;
    case EN0_RCNTHI:
        s->rbcr = (s->rbcr & 0x00ff) | val << 8;
        break;
    case EN0_RXCR:
        s->rcr = val;
        break;
    case EN0_TXCR:
        s->tcr = val;
        break;
    case EN0_DCFG:
        s->dcr = val;
        break;
    case EN0_IMR:
        s->imr = val;
        ne2000_update_irq(s);
        break;
    }
}

static uint8_t ne2000_read_reg(Ne2000State *s, unsigned reg)
{
    unsigned page = s->cmd >> E8390_PAGE_SHIFT;

    if (page == 1) {
        if (reg >= 1 && reg <= 6) {
            return s->par[reg - 1];
        }
        return reg == EN1_CURPAG ? s->curr : s->mar[reg - 8];
    }
    if (page == 2) {
        switch (reg) {
        case EN0_CLDALO:
            return s->pstart;
        case EN0_CLDAHI:
            return s->pstop;
        case EN0_TSR:
            return s->tpsr;
        case EN0_RXCR:
            return s->rcr;
        case EN0_TXCR:
            return s->tcr;
        case EN0_DCFG:
            return s->dcr;
        case EN0_IMR:
            return s->imr;
        default:
            return 0xff;
        }
    }
    switch (reg) {
    case EN0_BOUNDARY:
        return s->bnry;
    case EN0_TSR:
        return s->tsr;
    case EN0_ISR:
        return s->isr;
    case EN0_RSARLO:
        return s->rsar;
    case EN0_RSARHI:
        return s->rsar >> 8;
    case EN0_RCNTLO:
        return 'P';                     /* RTL8029 ID */
    case EN0_RCNTHI:
        return 'C';
    case EN0_RXCR:
        return s->rsr;
    default:
        return 0;                       /* CLDA, NCR, FIFO, tallies */
    }
}

uint64_t ne2000_read(void *opaque, hwaddr addr, unsigned size)
{
    Ne2000State *s = opaque;

    if (addr == 0) {
        return s->cmd;
    }
    if (addr < NE2000_DATA_PORT) {
        return ne2000_read_reg(s, addr);
    }
    if (addr < NE2000_RESET_PORT) {
        return ne2000_data_read(s, size);
    }
    ne2000_reset(s);                    /* reading the reset port */
    return 0;
}

void ne2000_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Ne2000State *s = opaque;

    ks_trace(ne2000, "write port 0x%02" PRIx64 " <- 0x%" PRIx64, addr, val);
    if (addr == 0) {
        ne2000_write_cmd(s, val);
    } else if (addr < NE2000_DATA_PORT) {
        ne2000_write_reg(s, addr, val);
    } else if (addr < NE2000_RESET_PORT) {
        ne2000_data_write(s, val, size);
    }
    /* a write to the reset port does nothing */
}

static const NetClientOps ne2000_net_ops = {
    .type = "ne2000",
    .receive = ne2000_receive,
};

bool ne2000_init(Ne2000State *s, const char *type, const char *id,
                 const char *macstr, const char *netdev, GError **errp)
{
    if (!net_nic_macaddr(s->macaddr, macstr, errp)) {
        return false;
    }
    for (int i = 0; i < ETH_ALEN; i++) {
        s->prom[2 * i] = s->prom[2 * i + 1] = s->macaddr[i];
    }
    for (int i = 2 * ETH_ALEN; i < 32; i++) {
        s->prom[i] = 0x57;              /* 'W': a word-wide NE2000 */
    }
    net_client_init(&s->nc, &ne2000_net_ops, id ? id : type, s, false);
    return net_nic_attach(&s->nc, netdev, errp);
}

void ne2000_cleanup(Ne2000State *s)
{
    net_client_cleanup(&s->nc);
}
