/* SPDX-License-Identifier: MIT */
/*
 * The 82077AA commands that move sectors (hw/block/fdc.c runs them when
 * their last command byte arrives): READ DATA and WRITE DATA through the
 * 8237 (hw/dma/i8237.c) sector by sector until its terminal count or the
 * end of the track, FORMAT TRACK from the 4-byte IDs the 8237 supplies,
 * each ending in the 7-byte result phase.
 * Ref: Intel 82077AA datasheet 290166, 5.x command set (table 5-1), 5.1
 * result phase status registers.
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/block/fdc-int.h"
#include "hw/dma/i8237.h"

/* Fill fifo with the 7-byte result of a read/write/format/read ID. */
void fdc_rw_result(FdcState *s, uint8_t st0, uint8_t st1,
                   uint8_t c, uint8_t h, uint8_t r)
{
    uint8_t n = s->fifo[5];

    s->fifo[0] = st0;
    s->fifo[1] = st1;
    s->fifo[2] = 0;
    s->fifo[3] = c;
    s->fifo[4] = h;
    s->fifo[5] = r;
    s->fifo[6] = n;
    fdc_result(s, 7, true);
}

static int64_t fdc_sector_offset(FdDrive *d, unsigned c, unsigned h,
                                 unsigned r)
{
    const FdGeometry *g = d->geo;

    if (c >= g->tracks || h >= g->heads || r < 1 || r > g->sects) {
        return -1;
    }
    return (((int64_t)c * g->heads + h) * g->sects + r - 1) * FD_SECTOR_SIZE;
}

/* READ DATA (write=false) and WRITE DATA */
void fdc_rw(FdcState *s, bool write)
{
    uint8_t sel = s->fifo[1] & 7;
    uint8_t c = s->fifo[2], h = s->fifo[3], r = s->fifo[4];
    uint8_t eot = s->fifo[6];
    bool mt = s->fifo[0] & 0x80;
    FdDrive *d = fdc_drive(s, sel);
    uint8_t st0 = sel, st1 = 0;

    s->last_eot = eot;
    if (!d) {
        fdc_rw_result(s, st0 | ST0_ABNORMAL | ST0_NOT_READY, ST1_MA, c, h, r);
        return;
    }
    if (write && blk_is_readonly(d->blk)) {
        fdc_rw_result(s, st0 | ST0_ABNORMAL, ST1_NW, c, h, r);
        return;
    }
    if (s->fifo[5] != 2 || !s->dma || (s->hlt_nd & 1)) {
        ks_log_mask(LOG_UNIMP, "fdc: %s with sector size code %u%s\n",
                    write ? "WRITE DATA" : "READ DATA", s->fifo[5],
                    (s->hlt_nd & 1) || !s->dma ? " in non-DMA mode" : "");
        fdc_rw_result(s, st0 | ST0_ABNORMAL, ST1_ND, c, h, r);
        return;
    }
    d->track = c;
    for (;;) {
        int64_t off = fdc_sector_offset(d, c, h, r);
        bool tc = false;
        size_t moved;
        int ret;

        if (off < 0 || r > eot) {
            ks_log_mask(LOG_GUEST_ERROR, "fdc: no sector C %u H %u R %u\n",
                        c, h, r);
            st0 |= ST0_ABNORMAL;
            st1 |= ST1_ND;
            break;
        }
        ret = write ? 0 : blk_pread(d->blk, off, s->sector_buf,
                                    FD_SECTOR_SIZE);
        moved = ret < 0 ? 0 : i8237_transfer(s->dma, s->dma_chan,
                                             s->sector_buf, FD_SECTOR_SIZE,
                                             !write, &tc);
        if (write && moved) {
            ret = blk_pwrite(d->blk, off, s->sector_buf, FD_SECTOR_SIZE);
        }
        if (ret < 0) {
            ks_log("fdc: %s error: %s\n", write ? "write" : "read",
                   blk_last_error(d->blk) ? blk_last_error(d->blk)
                                          : g_strerror(-ret));
            st0 |= ST0_ABNORMAL;
            st1 |= 0x20;                /* data error (CRC) */
            break;
        }
        if (!moved) {
            ks_log_mask(LOG_GUEST_ERROR, "fdc: DMA channel %u not ready\n",
                        s->dma_chan);
            st0 |= ST0_ABNORMAL;
            st1 |= 0x10;                /* overrun */
            break;
        }
        if (++r > eot) {
            r = 1;
            if (mt && !h && d->geo->heads > 1) {
                h = 1;
            } else {
                c++;
                h = mt ? 0 : h;
                if (!tc) {
                    st0 |= ST0_ABNORMAL;
                    st1 |= ST1_EN;
                }
                break;
            }
        }
        if (tc) {
            break;
        }
    }
    fdc_rw_result(s, st0 | (h << 2), st1, c, h, r);
}

void fdc_format(FdcState *s)
{
    uint8_t sel = s->fifo[1] & 7, sc = s->fifo[3], fill = s->fifo[5];
    FdDrive *d = fdc_drive(s, sel);
    uint8_t st0 = sel, st1 = 0, id[4] = { 0 };

    if (!d) {
        fdc_rw_result(s, st0 | ST0_ABNORMAL | ST0_NOT_READY, ST1_MA, 0, 0, 0);
        return;
    }
    if (blk_is_readonly(d->blk) || !s->dma) {
        fdc_rw_result(s, st0 | ST0_ABNORMAL, ST1_NW, d->track, 0, 0);
        return;
    }
    memset(s->sector_buf, fill, FD_SECTOR_SIZE);
    for (unsigned i = 0; i < sc; i++) {
        bool tc;
        int64_t off;

        if (i8237_transfer(s->dma, s->dma_chan, id, 4, false, &tc) < 4) {
            st0 |= ST0_ABNORMAL;
            st1 |= 0x10;
            break;
        }
        off = fdc_sector_offset(d, id[0], id[1], id[2]);
        if (off < 0 || id[3] != 2) {
            ks_log_mask(LOG_GUEST_ERROR, "fdc: FORMAT TRACK: sector ID "
                        "%u/%u/%u/%u does not fit the medium\n",
                        id[0], id[1], id[2], id[3]);
            st0 |= ST0_ABNORMAL;
            st1 |= ST1_ND;
            break;
        }
        if (blk_pwrite(d->blk, off, s->sector_buf, FD_SECTOR_SIZE) < 0) {
            ks_log("fdc: format write error: %s\n", blk_last_error(d->blk));
            st0 |= ST0_ABNORMAL;
            st1 |= 0x20;
            break;
        }
    }
    fdc_rw_result(s, st0, st1, id[0], id[1], id[2]);
}
