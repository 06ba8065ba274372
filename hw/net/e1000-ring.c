/* SPDX-License-Identifier: MIT */
/*
 * Intel 82540EM receive and transmit descriptor rings (see
 * hw/net/e1000.c for the registers): address filtering (RAL/RAH,
 * multicast table, broadcast, promiscuous), legacy receive descriptors
 * with the FCS appended unless RCTL.SECRC, legacy transmit descriptors
 * (CSO/CSS checksum insertion), the TCP/IP context and data descriptors
 * with IP/TCP/UDP checksum offload and TCP segmentation (TSO, IPv4 and
 * IPv6) as Linux's e1000 driver uses them, 802.1Q tag insertion.
 * Every descriptor and buffer address and every length comes from the
 * guest: a bad one drops the frame with a -d guest_errors line.
 * Ref: PCI/PCI-X Family of Gigabit Ethernet Controllers SDM, 3.2
 * (receive), 3.3 (transmit: 3.3.6 context, 3.3.7 data, 3.5 TSO).
 * Missing: VLAN tag stripping and filtering on receive, receive
 * checksum offload (RXCSUM; descriptors say IXSM: "not checked"),
 * UDP segmentation (TSE without TCP sends the packet whole).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/net/e1000-int.h"

#define E1000_DESC_SIZE 16
#define RXD_STAT_DD     0x01
#define RXD_STAT_EOP    0x02
#define RXD_STAT_IXSM   0x04
#define TXD_CMD_EOP     0x01
#define TXD_CMD_IFCS    0x02
#define TXD_CMD_IC      0x04
#define TXD_CMD_TSE     0x04            /* in extended descriptors */
#define TXD_CMD_RS      0x08
#define TXD_CMD_DEXT    0x20
#define TXD_CMD_VLE     0x40
#define TXD_CMD_IDE     0x80
#define TXD_STAT_DD     0x01
#define TXD_DTYP_DATA   1
#define TXD_POPTS_IXSM  0x01
#define TXD_POPTS_TXSM  0x02
#define TUCMD_TCP       0x01
#define TUCMD_IP        0x02            /* IPv4 (clear: IPv6) */
#define ETH_P_VLAN_LEN  4

static const uint8_t e1000_bcast[ETH_ALEN] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* ---- receive ---- */

static bool e1000_rx_filter(E1000State *s, const uint8_t *dst)
{
    uint32_t rctl = e1000_reg(s, E1000_RCTL);
    unsigned mo, hash;

    if (!memcmp(dst, e1000_bcast, ETH_ALEN)) {
        return rctl & E1000_RCTL_BAM;
    }
    if (dst[0] & 1) {
        if (rctl & E1000_RCTL_MPE) {
            return true;
        }
        mo = (rctl >> E1000_RCTL_MO_SHIFT) & 3;
        hash = ((dst[4] >> (4 - mo)) | (dst[5] << (4 + mo))) & 0xfff;
        return (e1000_reg(s, E1000_MTA + (hash >> 5) * 4) >> (hash & 31)) & 1;
    }
    if (rctl & E1000_RCTL_UPE) {
        return true;
    }
    for (int i = 0; i < 16; i++) {
        uint32_t lo = e1000_reg(s, E1000_RA + i * 8);
        uint32_t hi = e1000_reg(s, E1000_RA + i * 8 + 4);
        uint8_t ra[ETH_ALEN] = { lo, lo >> 8, lo >> 16, lo >> 24, hi,
                                 hi >> 8 };

        if ((hi & E1000_RAH_AV) && !memcmp(ra, dst, ETH_ALEN)) {
            return true;
        }
    }
    return false;
}

static uint32_t e1000_rx_bufsize(uint32_t rctl)
{
    unsigned bsize = (rctl >> E1000_RCTL_BSIZE_SHIFT) & 3;

    if (rctl & E1000_RCTL_BSEX) {
        return bsize ? 32768 >> bsize : 2048;
    }
    return 2048 >> bsize;
}

static void e1000_rx_stats(E1000State *s, const uint8_t *buf, size_t len)
{
    static const unsigned sizes[] = { 64, 127, 255, 511, 1023 };
    unsigned i = 0;

    while (i < G_N_ELEMENTS(sizes) && len > sizes[i]) {
        i++;
    }
    e1000_stat_add(s, E1000_PRC64 + 4 * i, 1);
    e1000_stat_add(s, E1000_GPRC, 1);
    e1000_stat_add(s, E1000_TPR, 1);
    e1000_stat_add(s, E1000_GORCL, len);
    e1000_stat_add(s, E1000_TORL, len);
    if (!memcmp(buf, e1000_bcast, ETH_ALEN)) {
        e1000_stat_add(s, E1000_BPRC, 1);
    } else if (buf[0] & 1) {
        e1000_stat_add(s, E1000_MPRC, 1);
    }
}

bool e1000_receive(NetClient *nc, const uint8_t *frame, size_t size)
{
    E1000State *s = nc->opaque;
    uint32_t rctl = e1000_reg(s, E1000_RCTL);
    uint32_t n = e1000_reg(s, E1000_RDLEN) / E1000_DESC_SIZE;
    uint32_t rdh = e1000_reg(s, E1000_RDH), rdt = e1000_reg(s, E1000_RDT);
    hwaddr base = (uint64_t)e1000_reg(s, E1000_RDBAH) << 32 |
                  e1000_reg(s, E1000_RDBAL);
    uint32_t bsize = e1000_rx_bufsize(rctl), len, done = 0, avail, need;
    uint8_t desc[E1000_DESC_SIZE];

    if (!(rctl & E1000_RCTL_EN) || size < ETH_HLEN) {
        return true;                    /* dropped */
    }
    if (size > (rctl & E1000_RCTL_LPE ? E1000_RX_MAX : 1522) ||
        !e1000_rx_filter(s, frame)) {
        return true;
    }
    if (!n || rdh >= n || rdt >= n) {
        if (n) {
            ks_log_mask(LOG_GUEST_ERROR, "e1000: RDH %u or RDT %u outside "
                        "the %u-descriptor ring\n", rdh, rdt, n);
        }
        return false;
    }
    /* Pad short frames, append the FCS unless the guest strips it. */
    len = MAX(size, ETH_MIN_FRAME);
    memcpy(s->rxbuf, frame, size);
    memset(s->rxbuf + size, 0, len - size);
    if (!(rctl & E1000_RCTL_SECRC)) {
        uint32_t fcs = GUINT32_TO_LE(net_crc32(s->rxbuf, len));

        memcpy(s->rxbuf + len, &fcs, 4);
        len += 4;
    }
    avail = (rdt + n - rdh) % n;
    need = (len + bsize - 1) / bsize;
    if (avail < need) {
        e1000_stat_add(s, E1000_RNBC, 1);
        return false;                   /* wait for the guest (RDT) */
    }
    while (done < len) {
        hwaddr da = base + (hwaddr)rdh * E1000_DESC_SIZE, buf;
        uint32_t chunk = MIN(bsize, len - done);

        if (!dma_read(da, desc, sizeof(desc))) {
            ks_log_mask(LOG_GUEST_ERROR, "e1000: receive descriptor %u at "
                        "0x%" PRIx64 " is outside RAM\n", rdh, da);
            return true;
        }
        buf = ldq_le_p(desc);
        if (buf && !dma_write(buf, s->rxbuf + done, chunk)) {
            ks_log_mask(LOG_GUEST_ERROR, "e1000: receive buffer 0x%" PRIx64
                        "+%u is outside RAM\n", buf, chunk);
            return true;
        }
        done += chunk;
        stw_le_p(desc + 8, buf ? chunk : 0);
        stw_le_p(desc + 10, 0);         /* checksum */
        desc[12] = RXD_STAT_DD | RXD_STAT_IXSM |
                   (done == len ? RXD_STAT_EOP : 0);
        desc[13] = 0;                   /* errors */
        stw_le_p(desc + 14, 0);
        dma_write(da, desc, sizeof(desc));
        rdh = (rdh + 1) % n;
        e1000_set_reg(s, E1000_RDH, rdh);
    }
    e1000_rx_stats(s, s->rxbuf, len);
    avail = (rdt + n - rdh) % n;
    if (avail <= (n >> (1 + ((rctl >> E1000_RCTL_RDMTS_SHIFT) & 3)))) {
        e1000_set_ics(s, E1000_ICR_RXDMT0);
    }
    e1000_arm_delay(s, true, e1000_reg(s, E1000_RDTR),
                    e1000_reg(s, E1000_RADV));
    return true;
}

/* ---- transmit ---- */

void e1000_tx_reset(E1000State *s)
{
    memset(&s->ctx, 0, sizeof(s->ctx));
    s->txlen = 0;
    s->tx_tse = s->tx_bad = s->tx_vle = false;
    s->tx_popts = 0;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* Checksum p[css..cse] (cse 0: to the end) into p[cso] (big-endian). */
static void e1000_put_csum(uint8_t *p, uint32_t len, uint32_t css,
                           uint32_t cso, uint32_t cse)
{
    uint16_t c;

    if (!cse || cse >= len) {
        cse = len - 1;
    }
    if (css > cse || cso + 2 > len) {
        ks_log_mask(LOG_GUEST_ERROR, "e1000: checksum offsets css %u cso %u "
                    "cse %u outside the %u-byte packet\n", css, cso, cse,
                    len);
        return;
    }
    c = csum_fold(csum_add(0, p + css, cse - css + 1));
    p[cso] = c >> 8;
    p[cso + 1] = c;
}

static void e1000_tx_stats(E1000State *s, const uint8_t *p, uint32_t len)
{
    static const unsigned sizes[] = { 64, 127, 255, 511, 1023 };
    unsigned i = 0;

    while (i < G_N_ELEMENTS(sizes) && len + 4 > sizes[i]) {
        i++;
    }
    e1000_stat_add(s, E1000_PTC64 + 4 * i, 1);
    e1000_stat_add(s, E1000_GPTC, 1);
    e1000_stat_add(s, E1000_TPT, 1);
    e1000_stat_add(s, E1000_GOTCL, len + 4);
    e1000_stat_add(s, E1000_TOTL, len + 4);
    if (!memcmp(p, e1000_bcast, ETH_ALEN)) {
        e1000_stat_add(s, E1000_BPTC, 1);
    } else if (p[0] & 1) {
        e1000_stat_add(s, E1000_MPTC, 1);
    }
}

/* One frame out: checksums, the VLAN tag, statistics, the back-end. */
static void e1000_tx_frame(E1000State *s, uint8_t *p, uint32_t len)
{
    static uint8_t vbuf[E1000_TX_BUF + ETH_P_VLAN_LEN];
    E1000TxContext *c = &s->ctx;

    if ((s->tx_popts & TXD_POPTS_IXSM) && c->ipcso + 2u <= len) {
        p[c->ipcso] = p[c->ipcso + 1] = 0;
        e1000_put_csum(p, len, c->ipcss, c->ipcso, c->ipcse);
    }
    if (s->tx_popts & TXD_POPTS_TXSM) {
        e1000_put_csum(p, len, c->tucss, c->tucso, c->tucse);
    }
    if (s->tx_vle && (e1000_reg(s, E1000_CTRL) & E1000_CTRL_VME) &&
        len >= 2 * ETH_ALEN) {
        memcpy(vbuf, p, 2 * ETH_ALEN);
        stw_be_p(vbuf + 12, e1000_reg(s, E1000_VET));
        stw_be_p(vbuf + 14, s->tx_vlan);
        memcpy(vbuf + 16, p + 12, len - 12);
        p = vbuf;
        len += ETH_P_VLAN_LEN;
    }
    e1000_tx_stats(s, p, len);
    net_send(&s->nc, p, len);
}

/* TCP segmentation (SDM 3.5): header copies with fixed lengths. */
static void e1000_tx_tso(E1000State *s)
{
    static uint8_t seg[E1000_TX_BUF];
    E1000TxContext *c = &s->ctx;
    uint32_t hdr = c->hdrlen, mss = c->mss, off = hdr, sent = 0;
    bool v4 = c->tucmd & TUCMD_IP, tcp = c->tucmd & TUCMD_TCP;
    uint16_t ipid;
    uint32_t seq;

    if (!tcp || !mss || hdr < c->tucss + 20u || hdr > s->txlen ||
        c->ipcss + 20u > hdr) {
        if (tcp) {
            ks_log_mask(LOG_GUEST_ERROR, "e1000: TSO context hdrlen %u mss "
                        "%u does not fit the packet\n", hdr, mss);
        }
        e1000_tx_frame(s, s->txbuf, s->txlen);
        return;
    }
    ipid = lduw_be_p(s->txbuf + c->ipcss + 4);
    seq = ldl_be_p(s->txbuf + c->tucss + 4);
    do {
        uint32_t plen = MIN(mss, s->txlen - off);
        uint32_t tot = hdr + plen, sum;
        uint8_t *tcph = seg + c->tucss;

        memcpy(seg, s->txbuf, hdr);
        memcpy(seg + hdr, s->txbuf + off, plen);
        if (v4) {
            stw_be_p(seg + c->ipcss + 2, tot - c->ipcss);
            stw_be_p(seg + c->ipcss + 4, ipid++);
        } else {
            stw_be_p(seg + c->ipcss + 4, tot - c->ipcss - 40);
        }
        stl_be_p(tcph + 4, seq + sent);
        if (off + plen < s->txlen) {
            tcph[13] &= ~0x09;          /* FIN and PSH on the last only */
        }
        /* The driver's pseudo-header sum leaves the length out. */
        if (c->tucso + 2u <= hdr) {
            sum = lduw_be_p(seg + c->tucso) + (tot - c->tucss);
            stw_be_p(seg + c->tucso, ~csum_fold(sum));
        }
        e1000_tx_frame(s, seg, tot);
        off += plen;
        sent += plen;
    } while (off < s->txlen);
}

/* Process one descriptor; returns its command byte. */
static uint8_t e1000_tx_desc(E1000State *s, uint8_t *d)
{
    uint64_t addr = ldq_le_p(d);
    uint32_t lower = ldl_le_p(d + 8), upper = ldl_le_p(d + 12);
    uint8_t cmd = lower >> 24;
    uint32_t len;
    E1000TxContext *c = &s->ctx;

    if ((cmd & TXD_CMD_DEXT) && ((lower >> 20) & 0xf) != TXD_DTYP_DATA) {
        c->ipcss = d[0];                /* context descriptor */
        c->ipcso = d[1];
        c->ipcse = lduw_le_p(d + 2);
        c->tucss = d[4];
        c->tucso = d[5];
        c->tucse = lduw_le_p(d + 6);
        c->paylen = lower & 0xfffff;
        c->tucmd = cmd;
        c->hdrlen = d[13];
        c->mss = lduw_le_p(d + 14);
        return cmd;
    }
    if (cmd & TXD_CMD_DEXT) {
        len = lower & 0xfffff;
        if (!s->txlen) {
            s->tx_tse = cmd & TXD_CMD_TSE;
            s->tx_popts = upper >> 8;
        }
    } else {
        len = lower & 0xffff;
        if (!s->txlen) {
            s->tx_tse = false;
            s->tx_popts = 0;
        }
    }
    s->tx_vle = cmd & TXD_CMD_VLE;
    s->tx_vlan = upper >> 16;
    if (!s->tx_bad && len > E1000_TX_BUF - s->txlen) {
        ks_log_mask(LOG_GUEST_ERROR, "e1000: transmit packet longer than "
                    "%u bytes dropped\n", E1000_TX_BUF);
        s->tx_bad = true;
    }
    if (!s->tx_bad && len && !dma_read(addr, s->txbuf + s->txlen, len)) {
        ks_log_mask(LOG_GUEST_ERROR, "e1000: transmit buffer 0x%" PRIx64
                    "+%u is outside RAM\n", addr, len);
        s->tx_bad = true;
    }
    if (!s->tx_bad) {
        s->txlen += len;
    }
    if (!(cmd & TXD_CMD_EOP)) {
        return cmd;
    }
    if (!s->tx_bad && s->txlen >= ETH_HLEN) {
        if (!(cmd & TXD_CMD_DEXT) && (cmd & TXD_CMD_IC)) {
            e1000_put_csum(s->txbuf, s->txlen, d[13], d[10], 0);
        }
        if (s->tx_tse) {
            e1000_tx_tso(s);
        } else {
            e1000_tx_frame(s, s->txbuf, s->txlen);
        }
    }
    s->txlen = 0;
    s->tx_bad = false;
    return cmd;
}

void e1000_start_xmit(E1000State *s)
{
    uint32_t n = e1000_reg(s, E1000_TDLEN) / E1000_DESC_SIZE;
    uint32_t tdh = e1000_reg(s, E1000_TDH), tdt = e1000_reg(s, E1000_TDT);
    hwaddr base = (uint64_t)e1000_reg(s, E1000_TDBAH) << 32 |
                  e1000_reg(s, E1000_TDBAL);
    uint8_t d[E1000_DESC_SIZE];
    uint32_t cause = 0;

    if (!(e1000_reg(s, E1000_TCTL) & E1000_TCTL_EN) || !n || tdh == tdt) {
        return;
    }
    if (tdh >= n || tdt >= n) {
        ks_log_mask(LOG_GUEST_ERROR, "e1000: TDH %u or TDT %u outside the "
                    "%u-descriptor ring\n", tdh, tdt, n);
        return;
    }
    while (tdh != tdt) {
        hwaddr da = base + (hwaddr)tdh * E1000_DESC_SIZE;
        uint8_t cmd;

        if (!dma_read(da, d, sizeof(d))) {
            ks_log_mask(LOG_GUEST_ERROR, "e1000: transmit descriptor %u at "
                        "0x%" PRIx64 " is outside RAM\n", tdh, da);
            break;
        }
        cmd = e1000_tx_desc(s, d);
        if (cmd & TXD_CMD_RS) {
            d[12] |= TXD_STAT_DD;
            dma_write(da, d, sizeof(d));
            if (cmd & TXD_CMD_IDE) {
                e1000_arm_delay(s, false, e1000_reg(s, E1000_TIDV),
                                e1000_reg(s, E1000_TADV));
            } else {
                cause |= E1000_ICR_TXDW;
            }
        }
        tdh = (tdh + 1) % n;
        e1000_set_reg(s, E1000_TDH, tdh);
    }
    e1000_set_ics(s, cause | E1000_ICR_TXQE);
}
