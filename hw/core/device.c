/* SPDX-License-Identifier: MIT */
/*
 * The device registry: device types, buses, properties, and the devices of
 * the running machine in creation order (reset runs in that order).
 */
#include "kestrel/osdep.h"
#include "kestrel/device.h"
#include "kestrel/keyval.h"

static GHashTable *dev_types;           /* name -> const DeviceType * */
static GHashTable *bus_types;           /* name -> const BusType * */
static GPtrArray *devices;              /* Device *, creation order */

void dev_type_register(const DeviceType *type)
{
    if (!dev_types) {
        dev_types = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_assert(!g_hash_table_contains(dev_types, type->name));
    g_hash_table_insert(dev_types, (gpointer)type->name, (gpointer)type);
}

void bus_type_register(const BusType *bus)
{
    if (!bus_types) {
        bus_types = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_insert(bus_types, (gpointer)bus->name, (gpointer)bus);
}

const DeviceType *dev_type_find(const char *name)
{
    return dev_types ? g_hash_table_lookup(dev_types, name) : NULL;
}

static gint type_name_cmp(gconstpointer a, gconstpointer b)
{
    const DeviceType *x = *(const DeviceType *const *)a;
    const DeviceType *y = *(const DeviceType *const *)b;

    return strcmp(x->name, y->name);
}

GPtrArray *dev_type_list(void)
{
    GPtrArray *arr = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    if (dev_types) {
        g_hash_table_iter_init(&it, dev_types);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            g_ptr_array_add(arr, value);
        }
    }
    g_ptr_array_sort(arr, type_name_cmp);
    return arr;
}

const PropDesc *dev_find_prop(const Device *dev, const char *name)
{
    for (const PropDesc *p = dev->type->props; p && p->name; p++) {
        if (!strcmp(p->name, name)) {
            return p;
        }
    }
    return NULL;
}

static bool parse_uint(const char *value, uint64_t max, uint64_t *out)
{
    char *end;
    guint64 v;

    if (!*value) {
        return false;
    }
    errno = 0;
    v = g_ascii_strtoull(value, &end, 0);
    if (errno || *end || v > max || value[0] == '-') {
        return false;
    }
    *out = v;
    return true;
}

bool dev_set_prop(Device *dev, const char *name, const char *value,
                  GError **errp)
{
    const PropDesc *p = dev_find_prop(dev, name);
    static const uint64_t max[] = {
        [PROP_U8] = UINT8_MAX, [PROP_U16] = UINT16_MAX,
        [PROP_U32] = UINT32_MAX, [PROP_U64] = UINT64_MAX,
    };
    char *field;
    uint64_t v;

    if (!p) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "device '%s' has no property '%s'", dev->type->name,
                    name);
        return false;
    }
    field = (char *)dev + p->offset;
    switch (p->type) {
    case PROP_BOOL:
        if (!strcmp(value, "on") || !strcmp(value, "true") ||
            !strcmp(value, "yes")) {
            *(bool *)field = true;
        } else if (!strcmp(value, "off") || !strcmp(value, "false") ||
                   !strcmp(value, "no")) {
            *(bool *)field = false;
        } else {
            goto bad;
        }
        return true;
    case PROP_STR:
        g_free(*(char **)field);
        *(char **)field = g_strdup(value);
        return true;
    case PROP_U8:
    case PROP_U16:
    case PROP_U32:
    case PROP_U64:
        if (!parse_uint(value, max[p->type], &v)) {
            goto bad;
        }
        switch (p->type) {
        case PROP_U8:  *(uint8_t *)field = v;  break;
        case PROP_U16: *(uint16_t *)field = v; break;
        case PROP_U32: *(uint32_t *)field = v; break;
        default:       *(uint64_t *)field = v; break;
        }
        return true;
    }
bad:
    g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                "device '%s': invalid value '%s' for property '%s'",
                dev->type->name, value, name);
    return false;
}

Device *dev_new(const char *type_name, GError **errp)
{
    const DeviceType *type = dev_type_find(type_name);
    Device *dev;

    if (!type) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "'%s' is not a known device type (-device help lists "
                    "them)", type_name);
        return NULL;
    }
    g_assert(type->instance_size >= sizeof(Device));
    dev = g_malloc0(type->instance_size);
    dev->type = type;
    for (const PropDesc *p = type->props; p && p->name; p++) {
        if (p->defval && !dev_set_prop(dev, p->name, p->defval, NULL)) {
            ks_abort("device %s: bad default for %s", type->name, p->name);
        }
    }
    if (!devices) {
        devices = g_ptr_array_new();
    }
    g_ptr_array_add(devices, dev);
    return dev;
}

const GPtrArray *dev_all(void)
{
    return devices;
}

bool dev_realize(Device *dev, GError **errp)
{
    const BusType *bus = NULL;

    if (dev->type->bus) {
        bus = bus_types ? g_hash_table_lookup(bus_types, dev->type->bus)
                        : NULL;
        if (!bus) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "device '%s' needs a '%s' bus, which this machine "
                        "does not have", dev->type->name, dev->type->bus);
            return false;
        }
    }
    if (dev->type->realize && !dev->type->realize(dev, errp)) {
        return false;
    }
    dev->realized = true;
    if (dev->type->reset) {
        dev->type->reset(dev);
    }
    return bus ? bus->plug(dev, errp) : true;
}

Device *dev_create_from_opts(const char *opts, GError **errp)
{
    g_autoptr(KvList) kv = kv_parse("-device", opts, "driver", 0, errp);
    const char *driver;
    Device *dev;

    if (!kv) {
        return NULL;
    }
    driver = kv_get(kv, "driver");
    if (!driver) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-device %s: no device type given", opts);
        return NULL;
    }
    dev = dev_new(driver, errp);
    if (!dev) {
        return NULL;
    }
    if (!dev->type->user_creatable) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-device %s: '%s' cannot be created with -device",
                    opts, driver);
        goto fail;
    }
    for (guint i = 0; i < kv->pairs->len; i++) {
        const KvPair *pair = kv->pairs->pdata[i];

        if (!strcmp(pair->key, "driver")) {
            continue;
        }
        if (!strcmp(pair->key, "id")) {
            g_free(dev->id);
            dev->id = g_strdup(pair->value);
            continue;
        }
        if (!dev_set_prop(dev, pair->key, pair->value, errp)) {
            g_prefix_error(errp, "-device %s: ", opts);
            goto fail;
        }
    }
    if (!dev_realize(dev, errp)) {
        g_prefix_error(errp, "-device %s: ", opts);
        goto fail;
    }
    return dev;
fail:
    dev_free(dev);
    return NULL;
}

void dev_free(Device *dev)
{
    if (!dev) {
        return;
    }
    if (dev->realized && dev->type->unrealize) {
        dev->type->unrealize(dev);
    }
    for (const PropDesc *p = dev->type->props; p && p->name; p++) {
        if (p->type == PROP_STR) {
            g_free(*(char **)((char *)dev + p->offset));
        }
    }
    if (devices) {
        g_ptr_array_remove(devices, dev);
    }
    g_free(dev->irq_in);
    g_free(dev->id);
    g_free(dev);
}

Device *dev_find(const char *id)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        Device *dev = devices->pdata[i];
        if (dev->id && !strcmp(dev->id, id)) {
            return dev;
        }
    }
    return NULL;
}

void dev_reset_all(void)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        Device *dev = devices->pdata[i];
        if (dev->realized && dev->type->reset) {
            dev->type->reset(dev);
        }
    }
}

void dev_destroy_all(void)
{
    while (devices && devices->len) {
        dev_free(devices->pdata[devices->len - 1]);
    }
}

void dev_init_region(Device *dev, MemRegion *mr)
{
    g_assert(dev->nr_regions < DEV_MAX_REGIONS);
    dev->regions[dev->nr_regions++] = mr;
}

void dev_init_irq_out(Device *dev, IrqLine *lines, unsigned n)
{
    /* the lines live in the device state; keep pointers to them */
    dev->irq_out = lines;
    dev->nr_irq_out = n;
}

void dev_init_irq_in(Device *dev, IrqHandler *handler, unsigned n)
{
    dev->irq_in = irq_sinks_new(handler, dev, n);
    dev->nr_irq_in = n;
}
