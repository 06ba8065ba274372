/* SPDX-License-Identifier: MIT */
/*
 * -netdev user: libslirp user-mode networking. The guest sees a virtual
 * 10.0.2.0/24 with a gateway and DHCP server at 10.0.2.2, a DNS forwarder
 * at 10.0.2.3 and its own address leased from 10.0.2.15; TCP and UDP go
 * out through host sockets, hostfwd= opens listening host ports.
 *
 * Driven from the GLib main loop: a GSource whose prepare() asks
 * slirp_pollfds_fill() for the descriptors and timeout, and whose
 * dispatch() runs slirp_pollfds_poll() under the big lock. libslirp
 * timers are Kestrel CLOCK_VIRTUAL timers. net/net.c creates it.
 * Ref: libslirp 4.7 include/slirp/libslirp.h.
 * Missing: guestfwd=, smb=, ipv6 address options (IPv6 is on with
 * QEMU's fec0::/64 defaults), hostfwd on an IPv6 host address.
 */
#include "kestrel/osdep.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <slirp/libslirp.h>
#include "kestrel/bql.h"
#include "kestrel/keyval.h"
#include "kestrel/log.h"
#include "kestrel/net.h"
#include "kestrel/timer.h"

typedef struct SlirpSource SlirpSource;

typedef struct SlirpNet {
    NetClient nc;
    Slirp *slirp;
    SlirpSource *source;
    char *tftp, *bootfile, *hostname, *domain;
} SlirpNet;

struct SlirpSource {
    GSource src;
    SlirpNet *s;
    GArray *pfds;                       /* GPollFD, added to src */
    int64_t deadline_us;                /* slirp's timeout, or -1 */
};

static const char *const slirp_keys[] = {
    "type", "id", "net", "host", "dns", "dhcpstart", "restrict", "hostfwd",
    "hostname", "domainname", "tftp", "bootfile", "ipv4", "ipv6", NULL,
};

/* ---- libslirp callbacks ---- */

static ssize_t slirp_cb_send(const void *buf, size_t len, void *opaque)
{
    SlirpNet *s = opaque;

    net_send(&s->nc, buf, len);
    return len;
}

static void slirp_cb_guest_error(const char *msg, void *opaque)
{
    ks_log_mask(LOG_GUEST_ERROR, "slirp: %s\n", msg);
}

static int64_t slirp_cb_clock(void *opaque)
{
    return clock_ns(CLOCK_VIRTUAL);
}

static void *slirp_cb_timer_new(SlirpTimerCb cb, void *cb_opaque,
                                void *opaque)
{
    return timer_new_ns(CLOCK_VIRTUAL, cb, cb_opaque);
}

static void slirp_cb_timer_free(void *timer, void *opaque)
{
    timer_free(timer);
}

static void slirp_cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    timer_mod_ns(timer, expire_ms * 1000000);
}

static void slirp_cb_poll_fd(int fd, void *opaque)
{
    /* The GSource asks for the whole set before every poll. */
}

static void slirp_cb_notify(void *opaque)
{
    g_main_context_wakeup(NULL);
}

static const SlirpCb slirp_callbacks = {
    .send_packet = slirp_cb_send,
    .guest_error = slirp_cb_guest_error,
    .clock_get_ns = slirp_cb_clock,
    .timer_new = slirp_cb_timer_new,
    .timer_free = slirp_cb_timer_free,
    .timer_mod = slirp_cb_timer_mod,
    .register_poll_fd = slirp_cb_poll_fd,
    .unregister_poll_fd = slirp_cb_poll_fd,
    .notify = slirp_cb_notify,
};

/* ---- the GSource ---- */

static int slirp_add_poll(int fd, int events, void *opaque)
{
    SlirpSource *ss = opaque;
    GPollFD pfd = { .fd = fd };

    pfd.events = (events & SLIRP_POLL_IN ? G_IO_IN : 0) |
                 (events & SLIRP_POLL_OUT ? G_IO_OUT : 0) |
                 (events & SLIRP_POLL_PRI ? G_IO_PRI : 0) |
                 (events & SLIRP_POLL_ERR ? G_IO_ERR : 0) |
                 (events & SLIRP_POLL_HUP ? G_IO_HUP : 0);
    g_array_append_val(ss->pfds, pfd);
    return ss->pfds->len - 1;
}

static int slirp_get_revents(int idx, void *opaque)
{
    SlirpSource *ss = opaque;
    int ev;

    if (idx < 0 || idx >= (int)ss->pfds->len) {
        return 0;
    }
    ev = g_array_index(ss->pfds, GPollFD, idx).revents;
    return (ev & G_IO_IN ? SLIRP_POLL_IN : 0) |
           (ev & G_IO_OUT ? SLIRP_POLL_OUT : 0) |
           (ev & G_IO_PRI ? SLIRP_POLL_PRI : 0) |
           (ev & G_IO_ERR ? SLIRP_POLL_ERR : 0) |
           (ev & G_IO_HUP ? SLIRP_POLL_HUP : 0);
}

static gboolean slirp_src_prepare(GSource *src, gint *timeout)
{
    SlirpSource *ss = (SlirpSource *)src;
    uint32_t ms = UINT32_MAX;

    for (guint i = 0; i < ss->pfds->len; i++) {
        g_source_remove_poll(src, &g_array_index(ss->pfds, GPollFD, i));
    }
    g_array_set_size(ss->pfds, 0);
    bql_lock();
    slirp_pollfds_fill(ss->s->slirp, &ms, slirp_add_poll, ss);
    bql_unlock();
    /* The array no longer grows: its elements can be handed to GLib. */
    for (guint i = 0; i < ss->pfds->len; i++) {
        g_source_add_poll(src, &g_array_index(ss->pfds, GPollFD, i));
    }
    ss->deadline_us = ms == UINT32_MAX ? -1 :
                      g_source_get_time(src) + (int64_t)ms * 1000;
    *timeout = ms == UINT32_MAX ? -1 : (gint)MIN(ms, (uint32_t)G_MAXINT);
    return false;
}

static gboolean slirp_src_check(GSource *src)
{
    SlirpSource *ss = (SlirpSource *)src;

    for (guint i = 0; i < ss->pfds->len; i++) {
        if (g_array_index(ss->pfds, GPollFD, i).revents) {
            return true;
        }
    }
    return ss->deadline_us >= 0 && g_source_get_time(src) >= ss->deadline_us;
}

static gboolean slirp_src_dispatch(GSource *src, GSourceFunc cb,
                                   gpointer data)
{
    SlirpSource *ss = (SlirpSource *)src;

    bql_lock();
    slirp_pollfds_poll(ss->s->slirp, 0, slirp_get_revents, ss);
    bql_unlock();
    return G_SOURCE_CONTINUE;
}

static void slirp_src_finalize(GSource *src)
{
    g_array_free(((SlirpSource *)src)->pfds, true);
}

static GSourceFuncs slirp_source_funcs = {
    .prepare = slirp_src_prepare,
    .check = slirp_src_check,
    .dispatch = slirp_src_dispatch,
    .finalize = slirp_src_finalize,
};

/* ---- the net client ---- */

static bool slirp_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    SlirpNet *s = nc->opaque;

    slirp_input(s->slirp, buf, len);
    g_main_context_wakeup(NULL);        /* new sockets to poll */
    return true;
}

static void slirp_net_cleanup(NetClient *nc)
{
    SlirpNet *s = nc->opaque;

    if (s->source) {
        g_source_destroy(&s->source->src);
        g_source_unref(&s->source->src);
    }
    slirp_cleanup(s->slirp);
    g_free(s->tftp);
    g_free(s->bootfile);
    g_free(s->hostname);
    g_free(s->domain);
    g_free(s);
}

static const NetClientOps slirp_ops = {
    .type = "user",
    .receive = slirp_receive,
    .cleanup = slirp_net_cleanup,
};

/* ---- options ---- */

static bool slirp_parse_addr(const char *opts, const char *key,
                             const char *val, struct in_addr *out,
                             GError **errp)
{
    if (inet_pton(AF_INET, val, out) != 1) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-netdev %s: %s=%s: not an IPv4 address", opts, key, val);
        return false;
    }
    return true;
}

/* net=ADDR[/PREFIX|/MASK] */
static bool slirp_parse_net(const char *opts, const char *val,
                            struct in_addr *net, struct in_addr *mask,
                            GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(val, "/", 2);
    uint64_t len;

    if (inet_pton(AF_INET, parts[0], net) != 1) {
        goto bad;
    }
    if (parts[1]) {
        if (kv_parse_u64(parts[1], &len) && len >= 8 && len <= 30) {
            mask->s_addr = htonl(~0u << (32 - len));
        } else if (inet_pton(AF_INET, parts[1], mask) != 1) {
            goto bad;
        }
    }
    net->s_addr &= mask->s_addr;
    return true;
bad:
    g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                "-netdev %s: net=%s: want ADDR[/PREFIXLEN] (e.g. "
                "10.0.2.0/24)", opts, val);
    return false;
}

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static bool slirp_hostfwd(SlirpNet *s, const char *opts, const char *rule,
                          struct in_addr guest_def, GError **errp)
{
    char proto[8] = "", haddr[64] = "", gaddr[64] = "";
    unsigned hport, gport;
    struct in_addr h = { .s_addr = INADDR_ANY }, g = guest_def;
    int n = 0;

    if (sscanf(rule, "%7[a-z]:%63[0-9.]:%u-%63[0-9.]:%u%n", proto, haddr,
               &hport, gaddr, &gport, &n) != 5 || rule[n]) {
        n = 0;
        memset(gaddr, 0, sizeof(gaddr));
        memset(haddr, 0, sizeof(haddr));
        if (!((sscanf(rule, "%7[a-z]::%u-:%u%n", proto, &hport, &gport,
                      &n) == 3 && !rule[n]) ||
              (sscanf(rule, "%7[a-z]::%u-%63[0-9.]:%u%n", proto, &hport,
                      gaddr, &gport, &n) == 4 && !rule[n]) ||
              (sscanf(rule, "%7[a-z]:%63[0-9.]:%u-:%u%n", proto, haddr,
                      &hport, &gport, &n) == 4 && !rule[n]))) {
            goto bad;
        }
    }
    if ((strcmp(proto, "tcp") && strcmp(proto, "udp")) || hport > 65535 ||
        gport == 0 || gport > 65535 ||
        (*haddr && inet_pton(AF_INET, haddr, &h) != 1) ||
        (*gaddr && inet_pton(AF_INET, gaddr, &g) != 1)) {
        goto bad;
    }
    if (slirp_add_hostfwd(s->slirp, !strcmp(proto, "udp"), h, hport, g,
                          gport) < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-netdev %s: hostfwd=%s: cannot listen on host port %u "
                    "(%s)", opts, rule, hport, g_strerror(errno));
        return false;
    }
    return true;
bad:
    g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                "-netdev %s: hostfwd=%s: want tcp|udp:[HOSTADDR]:HOSTPORT-"
                "[GUESTADDR]:GUESTPORT", opts, rule);
    return false;
}

NetClient *net_slirp_new(const char *id, const char *opts, GError **errp)
{
    g_autoptr(KvList) kv = kv_parse("-netdev", opts, "type", 0, errp);
    SlirpConfig cfg = { .version = 4, .in_enabled = true,
                        .in6_enabled = true, .vprefix_len = 64 };
    bool restricted = false, v4 = true, v6 = true;
    uint32_t net;
    const char *v;
    SlirpNet *s;

    if (!kv || !kv_check_keys(kv, slirp_keys, errp) ||
        !kv_get_bool(kv, "restrict", &restricted, errp) ||
        !kv_get_bool(kv, "ipv4", &v4, errp) ||
        !kv_get_bool(kv, "ipv6", &v6, errp)) {
        return NULL;
    }
    inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
    inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
    if ((v = kv_get(kv, "net")) &&
        !slirp_parse_net(opts, v, &cfg.vnetwork, &cfg.vnetmask, errp)) {
        return NULL;
    }
    net = ntohl(cfg.vnetwork.s_addr);
    cfg.vhost.s_addr = htonl(net | 2);
    cfg.vnameserver.s_addr = htonl(net | 3);
    cfg.vdhcp_start.s_addr = htonl(net | 15);
    if (((v = kv_get(kv, "host")) &&
         !slirp_parse_addr(opts, "host", v, &cfg.vhost, errp)) ||
        ((v = kv_get(kv, "dns")) &&
         !slirp_parse_addr(opts, "dns", v, &cfg.vnameserver, errp)) ||
        ((v = kv_get(kv, "dhcpstart")) &&
         !slirp_parse_addr(opts, "dhcpstart", v, &cfg.vdhcp_start, errp))) {
        return NULL;
    }
    if ((cfg.vhost.s_addr & cfg.vnetmask.s_addr) != cfg.vnetwork.s_addr) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-netdev %s: host= is outside net=", opts);
        return NULL;
    }
    if (!v4 && !v6) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-netdev %s: ipv4=off and ipv6=off leave nothing", opts);
        return NULL;
    }
    s = g_new0(SlirpNet, 1);
    s->tftp = g_strdup(kv_get(kv, "tftp"));
    s->bootfile = g_strdup(kv_get(kv, "bootfile"));
    s->hostname = g_strdup(kv_get(kv, "hostname"));
    s->domain = g_strdup(kv_get(kv, "domainname"));
    cfg.restricted = restricted;
    cfg.in_enabled = v4;
    cfg.in6_enabled = v6;
    inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
    inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
    inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
    cfg.tftp_path = s->tftp;
    cfg.bootfile = s->bootfile;
    cfg.vhostname = s->hostname;
    cfg.vdomainname = s->domain;
    net_client_init(&s->nc, &slirp_ops, id, s, true);
    s->slirp = slirp_new(&cfg, &slirp_callbacks, s);
    for (guint i = 0; i < kv->pairs->len; i++) {
        KvPair *p = g_ptr_array_index(kv->pairs, i);

        if (!strcmp(p->key, "hostfwd") &&
            !slirp_hostfwd(s, opts, p->value, cfg.vdhcp_start, errp)) {
            net_client_cleanup(&s->nc);
            return NULL;
        }
    }
    s->source = (SlirpSource *)g_source_new(&slirp_source_funcs,
                                            sizeof(SlirpSource));
    s->source->s = s;
    s->source->pfds = g_array_new(false, true, sizeof(GPollFD));
    s->source->deadline_us = -1;
    g_source_attach(&s->source->src, NULL);
    return &s->nc;
}
