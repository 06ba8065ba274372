/* SPDX-License-Identifier: MIT */
/*
 * What the ATAPI CD-ROM's two files share: hw/ide/ide-atapi.c (the
 * PACKET protocol, sense, the command dispatch, reads) and
 * hw/ide/atapi-mmc.c (the replies of the MMC information commands).
 */
#ifndef KESTREL_HW_IDE_ATAPI_INT_H
#define KESTREL_HW_IDE_ATAPI_INT_H

#include "hw/ide/ide-int.h"

#define MMC_PROFILE_CDROM       0x0008
#define MMC_PROFILE_DVDROM      0x0010
/* 99:59:74 minus the 2-second pre-gap: the longest CD */
#define CD_MAX_SECTORS          ((99 * 60 + 59) * 75 + 74 - 150)

static inline bool cd_present(IdeState *s)
{
    return s->blk && !s->tray_open;
}

static inline int64_t cd_sectors(IdeState *s)
{
    return s->nb_sectors / (CD_SECTOR_SIZE / IDE_SECTOR_SIZE);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}

static inline uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

/* LBA -> minute/second/frame, counting the 150-frame pre-gap */
static inline void put_msf(uint8_t *p, int64_t lba)
{
    lba += 150;
    p[0] = 0;
    p[1] = lba / (60 * 75);
    p[2] = (lba / 75) % 60;
    p[3] = lba % 75;
}

/* atapi-mmc.c: each fills s->buf with the reply to the CDB @cmd and
 * returns its length; *bad is set for an invalid field in the CDB. */
uint32_t atapi_read_toc(IdeState *s, const uint8_t *cmd, bool *bad);
uint32_t atapi_get_configuration(IdeState *s, const uint8_t *cmd);
uint32_t atapi_mode_sense(IdeState *s, const uint8_t *cmd, bool *bad);
uint32_t atapi_event_status(IdeState *s, const uint8_t *cmd, bool *bad);

#endif /* KESTREL_HW_IDE_ATAPI_INT_H */
