/* SPDX-License-Identifier: MIT */
/*
 * The net client layer: a back-end (-netdev: libslirp user networking)
 * and a NIC front-end (e1000, ne2k_pci, ne2k_isa) form a pair of
 * NetClients; each sends Ethernet frames to its peer. A frame the peer
 * cannot take now (its receive ring is full) waits in the peer's queue
 * until the NIC calls net_flush_queue(). Packet-capture filters
 * (-object filter-dump) hang on a back-end and see both directions.
 *
 * Everything here runs under the big lock: NIC registers on vCPU threads,
 * back-ends and timers on the main loop. The board calls
 * net_init_from_config() after its fixed devices, before -device.
 */
#ifndef KESTREL_NET_H
#define KESTREL_NET_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"
#include "kestrel/machine.h"

#define ETH_ALEN            6
#define ETH_HLEN            14
#define ETH_MIN_FRAME       60          /* without the FCS */
#define NET_MAX_FRAME       65536       /* largest frame a client takes */
#define NET_QUEUE_MAX       512         /* queued frames before drops */

typedef struct NetClient NetClient;
typedef struct NetDump NetDump;

typedef struct NetClientOps {
    const char *type;                   /* "user", "e1000"... */
    /* Take one frame; false: not now (it is queued for later). */
    bool (*receive)(NetClient *nc, const uint8_t *buf, size_t len);
    void (*cleanup)(NetClient *nc);
} NetClientOps;

struct NetClient {
    const NetClientOps *ops;
    char *id;                           /* netdev id, or the NIC's name */
    void *opaque;                       /* the owner's state */
    NetClient *peer;
    GQueue queue;                       /* GBytes waiting for receive() */
    GPtrArray *dumps;                   /* NetDump * (back-ends only) */
    bool is_netdev;
};

/* ---- clients ---- */

void net_client_init(NetClient *nc, const NetClientOps *ops,
                     const char *id, void *opaque, bool is_netdev);
/* Unlink from the peer, drop the queue, call ops->cleanup. */
void net_client_cleanup(NetClient *nc);
/* Send a frame to nc's peer (dropped without a peer). */
void net_send(NetClient *nc, const uint8_t *buf, size_t len);
/* Deliver queued frames to nc until its receive() refuses one. */
void net_flush_queue(NetClient *nc);
NetClient *net_netdev_find(const char *id);
/* The i-th back-end in creation order, NULL past the last (info network). */
NetClient *net_netdev_nth(unsigned i);

/* ---- back-ends ---- */

/* Create a back-end from -netdev text ("user,id=n0,hostfwd=..."). */
bool net_netdev_create(const char *opts, GError **errp);
/* Register a back-end made elsewhere (tests); its id must be new. */
bool net_netdev_register(NetClient *nc, GError **errp);
/* libslirp; net/slirp.c. */
NetClient *net_slirp_new(const char *id, const char *opts, GError **errp);
/* Free every back-end and capture (exit path and tests). */
void net_cleanup_all(void);

/* ---- NIC front-ends ---- */

/*
 * Connect a NIC to the back-end netdev_id (NULL: no back-end; frames go
 * nowhere). The device layer prefixes errors with the -device text.
 */
bool net_nic_attach(NetClient *nic, const char *netdev_id, GError **errp);
/* The MAC from a "mac" property, or the next default 52:54:00:12:34:56+n. */
bool net_nic_macaddr(uint8_t mac[ETH_ALEN], const char *str,
                     GError **errp);
/* The properties every NIC has, for a state struct @st with the char *
 * fields netdev and macstr that the realize passes to the two calls above. */
#define NIC_PROPS(st)                                                   \
    DEV_PROP(st, netdev, "netdev", PROP_STR, NULL,                      \
             "id of the -netdev back-end"),                             \
    DEV_PROP(st, macstr, "mac", PROP_STR, NULL,                         \
             "MAC address (default 52:54:00:12:34:56, then :57...)")

/* ---- capture ---- */

/* pcap file (LINKTYPE_ETHERNET); net/dump.c. */
NetDump *net_dump_open(const char *path, GError **errp);
void net_dump_frame(NetDump *d, const uint8_t *buf, size_t len);
void net_dump_close(NetDump *d);
/* -object filter-dump,id=ID,netdev=N,file=F[,maxlen=N]. */
bool net_object_create(const char *opts, GError **errp);

/* ---- the board ---- */

/*
 * -netdev back-ends, -object filter-dump, then the -nic NICs (or QEMU's
 * default "-nic user" e1000 unless -nodefaults or any -nic/-netdev).
 */
bool net_init_from_config(const MachineConfig *cfg, GError **errp);

/* Byte-order loads and stores on descriptor and packet bytes. */
static inline uint16_t lduw_le_p(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

static inline uint32_t ldl_le_p(const uint8_t *p)
{
    return lduw_le_p(p) | (uint32_t)lduw_le_p(p + 2) << 16;
}

static inline uint64_t ldq_le_p(const uint8_t *p)
{
    return ldl_le_p(p) | (uint64_t)ldl_le_p(p + 4) << 32;
}

static inline uint16_t lduw_be_p(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static inline uint32_t ldl_be_p(const uint8_t *p)
{
    return (uint32_t)lduw_be_p(p) << 16 | lduw_be_p(p + 2);
}

static inline void stw_le_p(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline void stw_be_p(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void stl_be_p(uint8_t *p, uint32_t v)
{
    stw_be_p(p, v >> 16);
    stw_be_p(p + 2, v);
}

/* Ethernet CRC-32 (IEEE 802.3), as the multicast hash filters use it. */
uint32_t net_crc32(const uint8_t *buf, size_t len);

#endif /* KESTREL_NET_H */
