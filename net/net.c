/* SPDX-License-Identifier: MIT */
/*
 * The net client layer (include/kestrel/net.h): back-end <-> NIC pairs,
 * the per-client queue of frames the receiver could not take yet, the
 * registry of -netdev back-ends, -nic (QEMU's shorthand for a back-end
 * plus a NIC) and the default NIC, and MAC address defaults.
 *
 * The board (hw/i386/pc.c) calls net_init_from_config(); NIC models
 * (hw/net/) call net_nic_attach(), net_send() and net_flush_queue().
 * Missing: hubs (-net), several NICs on one back-end, back-ends other
 * than user (docs/network.md).
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel/net.h"
#include "kestrel/keyval.h"
#include "kestrel/log.h"

KS_TRACE_DEFINE(net);                   /* -d trace:net: every frame */

/* -nic models and the -device type each one creates. */
static const char *const net_nic_models[] = { "e1000", "ne2k_pci", NULL };

static GPtrArray *net_netdevs;          /* NetClient * of the back-ends */
static unsigned net_mac_index;          /* next default MAC's last byte */

void net_client_init(NetClient *nc, const NetClientOps *ops,
                     const char *id, void *opaque, bool is_netdev)
{
    nc->ops = ops;
    nc->id = g_strdup(id);
    nc->opaque = opaque;
    nc->peer = NULL;
    g_queue_init(&nc->queue);
    nc->dumps = is_netdev ? g_ptr_array_new() : NULL;
    nc->is_netdev = is_netdev;
}

void net_client_cleanup(NetClient *nc)
{
    if (nc->peer) {
        nc->peer->peer = NULL;
        nc->peer = NULL;
    }
    g_queue_clear_full(&nc->queue, (GDestroyNotify)g_bytes_unref);
    if (nc->dumps) {
        g_ptr_array_free(nc->dumps, true);
        nc->dumps = NULL;
    }
    g_clear_pointer(&nc->id, g_free);
    if (nc->ops && nc->ops->cleanup) {
        nc->ops->cleanup(nc);           /* may free nc */
    }
}

void net_send(NetClient *nc, const uint8_t *buf, size_t len)
{
    NetClient *peer = nc->peer;
    NetClient *back = nc->is_netdev ? nc : peer;

    ks_trace(net, "%s -> %s: %zu bytes", nc->id,
             peer ? peer->id : "(nothing)", len);
    if (back && back->dumps) {
        for (guint i = 0; i < back->dumps->len; i++) {
            net_dump_frame(back->dumps->pdata[i], buf, len);
        }
    }
    if (!peer || len > NET_MAX_FRAME) {
        return;
    }
    /* Keep the order: nothing overtakes frames already waiting. */
    if (g_queue_is_empty(&peer->queue) &&
        peer->ops->receive(peer, buf, len)) {
        return;
    }
    if (g_queue_get_length(&peer->queue) >= NET_QUEUE_MAX) {
        ks_trace(net, "%s: queue full, frame dropped", peer->id);
        return;
    }
    g_queue_push_tail(&peer->queue, g_bytes_new(buf, len));
}

void net_flush_queue(NetClient *nc)
{
    GBytes *b;

    while ((b = g_queue_peek_head(&nc->queue))) {
        gsize len;
        const uint8_t *data = g_bytes_get_data(b, &len);

        if (!nc->ops->receive(nc, data, len)) {
            return;
        }
        g_bytes_unref(g_queue_pop_head(&nc->queue));
    }
}

NetClient *net_netdev_find(const char *id)
{
    for (guint i = 0; net_netdevs && i < net_netdevs->len; i++) {
        NetClient *nc = net_netdevs->pdata[i];

        if (!g_strcmp0(nc->id, id)) {
            return nc;
        }
    }
    return NULL;
}

static void net_netdev_free(gpointer p)
{
    NetClient *nc = p;

    for (guint i = 0; nc->dumps && i < nc->dumps->len; i++) {
        net_dump_close(nc->dumps->pdata[i]);
    }
    net_client_cleanup(nc);
}

bool net_netdev_register(NetClient *nc, GError **errp)
{
    if (net_netdev_find(nc->id)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-netdev id '%s' is already used", nc->id);
        return false;
    }
    if (!net_netdevs) {
        net_netdevs = g_ptr_array_new_with_free_func(net_netdev_free);
    }
    g_ptr_array_add(net_netdevs, nc);
    return true;
}

NetClient *net_netdev_nth(unsigned i)
{
    return net_netdevs && i < net_netdevs->len ? net_netdevs->pdata[i]
                                               : NULL;
}

/* Create back-end id from opts (its "type" is checked by the caller). */
static bool net_netdev_add(const char *id, const char *opts, GError **errp)
{
    NetClient *nc;

    if (net_netdev_find(id)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-netdev %s: id '%s' is already used", opts, id);
        return false;
    }
    nc = net_slirp_new(id, opts, errp);
    return nc && net_netdev_register(nc, errp);
}

bool net_netdev_create(const char *opts, GError **errp)
{
    g_autoptr(KvList) kv = kv_parse("-netdev", opts, "type", 0, errp);
    const char *type, *id;

    if (!kv) {
        return false;
    }
    type = kv_get(kv, "type");
    id = kv_get(kv, "id");
    if (g_strcmp0(type, "user")) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-netdev %s: type '%s' is not supported (only user)",
                    opts, type ? type : "");
        return false;
    }
    if (!id || !*id) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-netdev %s: id= is required", opts);
        return false;
    }
    return net_netdev_add(id, opts, errp);
}

void net_cleanup_all(void)
{
    g_clear_pointer(&net_netdevs, g_ptr_array_unref);
    net_mac_index = 0;
}

bool net_nic_attach(NetClient *nic, const char *netdev_id, GError **errp)
{
    NetClient *back;

    if (!netdev_id || !*netdev_id) {
        return true;
    }
    back = net_netdev_find(netdev_id);
    if (!back) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "no -netdev with id '%s'", netdev_id);
        return false;
    }
    if (back->peer) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "netdev '%s' is already used by another NIC",
                    netdev_id);
        return false;
    }
    back->peer = nic;
    nic->peer = back;
    return true;
}

bool net_nic_macaddr(uint8_t mac[ETH_ALEN], const char *str,
                     GError **errp)
{
    static const uint8_t base[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34,
                                            0x56 };
    unsigned v[ETH_ALEN];
    char end;

    if (!str || !*str) {
        memcpy(mac, base, ETH_ALEN);
        mac[5] += net_mac_index++;
        return true;
    }
    if (sscanf(str, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &end) != 6 || strlen(str) != 17) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "mac=%s: invalid MAC address (want "
                    "xx:xx:xx:xx:xx:xx)", str);
        return false;
    }
    for (int i = 0; i < ETH_ALEN; i++) {
        mac[i] = v[i];
    }
    if (mac[0] & 1) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "mac=%s: a multicast address cannot be a NIC's "
                    "address", str);
        return false;
    }
    return true;
}

/* -nic [user|none][,model=M][,mac=A][,id=I][,user netdev options]. */
static bool net_nic_create(const char *opts, unsigned index, GError **errp)
{
    g_autoptr(KvList) kv = kv_parse("-nic", opts, "type", 0, errp);
    g_autofree char *id = NULL;
    g_autofree char *dev = NULL;
    g_autoptr(GString) back = g_string_new("user");
    const char *model, *mac;

    if (!kv) {
        return false;
    }
    if (!g_strcmp0(kv_get(kv, "type"), "none")) {
        return true;
    }
    model = kv_get(kv, "model");
    if (model && !g_strv_contains(net_nic_models, model)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-nic %s: unknown NIC model '%s' (e1000, ne2k_pci)",
                    opts, model);
        return false;
    }
    id = g_strdup(kv_get(kv, "id") ? kv_get(kv, "id") : "");
    if (!*id) {
        g_free(id);
        id = g_strdup_printf("__nic%u", index);
    }
    mac = kv_get(kv, "mac");
    /* The rest of the keys belong to the back-end. */
    for (guint i = 0; i < kv->pairs->len; i++) {
        KvPair *p = g_ptr_array_index(kv->pairs, i);

        if (strcmp(p->key, "type") && strcmp(p->key, "model") &&
            strcmp(p->key, "mac") && strcmp(p->key, "id")) {
            g_auto(GStrv) parts = g_strsplit(p->value, ",", -1);
            g_autofree char *v = g_strjoinv(",,", parts);

            g_string_append_printf(back, ",%s=%s", p->key, v);
        }
    }
    g_string_append_printf(back, ",id=%s", id);
    if (!net_netdev_add(id, back->str, errp)) {
        return false;
    }
    dev = g_strdup_printf("%s,netdev=%s%s%s", model ? model : "e1000", id,
                          mac ? ",mac=" : "", mac ? mac : "");
    return dev_create_from_opts(dev, errp) != NULL;
}

static guint net_cfg_len(const GPtrArray *a)
{
    return a ? a->len : 0;
}

bool net_init_from_config(const MachineConfig *cfg, GError **errp)
{
    for (guint i = 0; i < net_cfg_len(cfg->netdevs); i++) {
        if (!net_netdev_create(cfg->netdevs->pdata[i], errp)) {
            return false;
        }
    }
    for (guint i = 0; i < net_cfg_len(cfg->nics); i++) {
        if (!net_nic_create(cfg->nics->pdata[i], i, errp)) {
            return false;
        }
    }
    /* QEMU's pc: "-nic user" (an e1000) unless told otherwise. */
    if (!net_cfg_len(cfg->nics) && !cfg->nodefaults && !net_netdevs &&
        !net_nic_create("user", 0, errp)) {
        return false;
    }
    for (guint i = 0; i < net_cfg_len(cfg->objects); i++) {
        if (!net_object_create(cfg->objects->pdata[i], errp)) {
            return false;
        }
    }
    return true;
}

uint32_t net_crc32(const uint8_t *buf, size_t len)
{
    uint32_t crc = 0xffffffff;

    for (size_t i = 0; i < len; i++) {
        crc ^= buf[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
        }
    }
    return ~crc;
}
