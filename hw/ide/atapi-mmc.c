/* SPDX-License-Identifier: MIT */
/*
 * The replies of the ATAPI CD-ROM's MMC information commands, for
 * hw/ide/ide-atapi.c's dispatch: READ TOC/PMA/ATIP (formats 0, 1, 2),
 * GET CONFIGURATION (profiles and the features guests look for), MODE
 * SENSE (pages 01h and 2Ah, or all) and GET EVENT STATUS NOTIFICATION
 * (media events).
 * Ref: MMC-3 (T10/1363-D) 5 (features, profiles), 6.x (commands), 6.37
 * (page 2Ah); SFF-8020i 2.6.
 */
#include "kestrel/osdep.h"
#include "hw/ide/atapi-int.h"

uint32_t atapi_read_toc(IdeState *s, const uint8_t *cmd, bool *bad)
{
    uint8_t *b = s->buf;
    bool msf = cmd[1] & 2;
    uint8_t start = cmd[6];
    unsigned format = cmd[2] & 0x0f;
    uint32_t p = 4;

    if (!format) {
        format = cmd[9] >> 6;           /* SFF-8020 placed it here */
    }
    memset(b, 0, 64);
    b[2] = b[3] = 1;                    /* first and last track/session */
    switch (format) {
    case 0:
        if (start > 1 && start != 0xaa) {
            *bad = true;
            return 0;
        }
        if (start <= 1) {
            b[p + 1] = 0x14;            /* ADR 1, data track */
            b[p + 2] = 1;
            p += 8;                     /* address 0 either way */
            if (msf) {
                put_msf(b + p - 4, 0);
            }
        }
        b[p + 1] = 0x14;
        b[p + 2] = 0xaa;                /* lead-out */
        if (msf) {
            put_msf(b + p + 4, cd_sectors(s));
        } else {
            put_be32(b + p + 4, cd_sectors(s));
        }
        p += 8;
        break;
    case 1:                             /* multi-session: one session */
        b[p + 1] = 0x14;
        b[p + 2] = 1;
        p += 8;
        break;
    case 2:                             /* raw TOC: A0, A1, A2, track 1 */
        for (unsigned i = 0; i < 4; i++, p += 11) {
            static const uint8_t points[] = { 0xa0, 0xa1, 0xa2, 0x01 };

            b[p] = 1;
            b[p + 1] = 0x14;
            b[p + 3] = points[i];
            if (i < 2) {
                b[p + 8] = 1;           /* first/last track number */
            } else {
                put_msf(b + p + 7, i == 2 ? cd_sectors(s) : 0);
            }
        }
        break;
    default:
        *bad = true;
        return 0;
    }
    put_be16(b, p - 2);
    return p;
}

static void add_feature(uint8_t *b, uint32_t *p, uint16_t code,
                        uint8_t flags, const uint8_t *data, uint8_t len,
                        unsigned rt, uint16_t start)
{
    bool current = flags & 1;

    if (code < start || (rt == 1 && !current) || (rt == 2 && code != start)) {
        return;
    }
    put_be16(b + *p, code);
    b[*p + 2] = flags;
    b[*p + 3] = len;
    memcpy(b + *p + 4, data, len);
    *p += 4 + len;
}

uint32_t atapi_get_configuration(IdeState *s, const uint8_t *cmd)
{
    bool dvd = cd_present(s) && cd_sectors(s) > CD_MAX_SECTORS;
    uint16_t profile = !cd_present(s) ? 0
                       : dvd ? MMC_PROFILE_DVDROM : MMC_PROFILE_CDROM;
    unsigned rt = cmd[1] & 3;
    uint16_t start = (cmd[2] << 8) | cmd[3];
    uint8_t profiles[8] = { 0, MMC_PROFILE_DVDROM, dvd, 0,
                            0, MMC_PROFILE_CDROM, profile ==
                            MMC_PROFILE_CDROM, 0 };
    static const uint8_t core[8] = { 0, 0, 0, 2, 1 };   /* ATAPI, DBE */
    static const uint8_t removable[4] = { 0x29 };  /* tray, eject, lock */
    uint8_t random[8] = { 0, 0, CD_SECTOR_SIZE >> 8, 0, 0, dvd ? 16 : 1 };
    static const uint8_t none[4];
    uint8_t *b = s->buf;
    uint32_t p = 8;
    bool m = cd_present(s);

    memset(b, 0, 128);
    put_be16(b + 6, profile);
    add_feature(b, &p, 0x0000, 0x03, profiles, 8, rt, start);
    add_feature(b, &p, 0x0001, 0x0b, core, 8, rt, start);
    add_feature(b, &p, 0x0003, 0x03, removable, 4, rt, start);
    add_feature(b, &p, 0x0010, m, random, 8, rt, start);
    add_feature(b, &p, 0x001e, 0x08 | (m && !dvd), none, 4, rt, start);
    add_feature(b, &p, 0x001f, dvd, none, 4, rt, start);
    put_be32(b, p - 4);
    return p;
}

uint32_t atapi_mode_sense(IdeState *s, const uint8_t *cmd, bool *bad)
{
    uint8_t *b = s->buf;
    unsigned page = cmd[2] & 0x3f;
    uint32_t p = 8;

    memset(b, 0, 64);
    b[2] = cd_present(s) ? 0x01 : s->tray_open ? 0x71 : 0x70;
    if (page == 0x01 || page == 0x3f) {     /* read error recovery */
        b[p] = 0x01;
        b[p + 1] = 6;
        b[p + 3] = 5;                   /* read retry count */
        p += 8;
    }
    if (page == 0x2a || page == 0x3f) {     /* capabilities (MMC-3 6.37) */
        uint8_t *c = b + p;

        c[0] = 0x2a;
        c[1] = 0x12;
        c[2] = 0x3b;                    /* reads CD-R/RW, DVD-ROM/R/RAM */
        c[4] = 0x71;                    /* audio, mode 2, multi-session */
        c[5] = 0x03;
        c[6] = 0x29 | (s->locked ? 0x02 : 0);  /* tray, eject, lock */
        put_be16(c + 8, 706);           /* max speed, KB/s (4x) */
        put_be16(c + 10, 256);          /* volume levels */
        put_be16(c + 12, 512);          /* buffer, KB */
        put_be16(c + 14, 706);
        p += 20;
    }
    if (p == 8 || (cmd[2] >> 6) == 3) {
        *bad = true;
        return 0;
    }
    put_be16(b, p - 2);
    return p;
}

uint32_t atapi_event_status(IdeState *s, const uint8_t *cmd,
                                   bool *bad)
{
    uint8_t *b = s->buf;

    if (!(cmd[1] & 1)) {                /* only polled mode */
        *bad = true;
        return 0;
    }
    memset(b, 0, 8);
    b[3] = 0x10;                        /* supported: media class */
    if (!(cmd[4] & 0x10)) {
        b[2] = 0x80;                    /* no event available */
        put_be16(b, 2);
        return 4;
    }
    b[2] = 4;                           /* media class */
    b[4] = s->media_event ? (cd_present(s) ? 2 : 3) : 0;    /* new/removal */
    b[5] = (cd_present(s) ? 2 : 0) | (s->tray_open ? 1 : 0);
    s->media_event = false;
    put_be16(b, 6);
    return 8;
}
