/* SPDX-License-Identifier: MIT */
/*
 * The device registry. A device type is a table entry (name, size,
 * realize, reset, properties); the board and `-device TYPE,prop=val` create
 * devices the same way: dev_new(), dev_set_prop()..., dev_realize(), then
 * the device's bus plugs it (ISA: ports at its iobase, IRQ to its irq).
 */
#ifndef KESTREL_DEVICE_H
#define KESTREL_DEVICE_H

#include "kestrel/osdep.h"
#include "kestrel/irq.h"
#include "kestrel/memory.h"

typedef struct Device Device;

typedef enum PropType {
    PROP_BOOL,
    PROP_U8,
    PROP_U16,
    PROP_U32,
    PROP_U64,
    PROP_STR,                           /* char *, g_free'd with the device */
} PropType;

typedef struct PropDesc {
    const char *name;
    PropType type;
    size_t offset;                      /* in the device's state struct */
    const char *defval;                 /* parsed like a user value */
    const char *help;
} PropDesc;

#define DEV_PROP(st, field, nm, ty, def, hlp) \
    { .name = (nm), .type = (ty), .offset = offsetof(st, field), \
      .defval = (def), .help = (hlp) }
#define DEV_PROP_END { .name = NULL }

#define DEV_MAX_REGIONS 8

typedef struct DeviceType {
    const char *name;                   /* the name used with -device */
    const char *desc;                   /* one line for -device help */
    const char *bus;                    /* "isa", "pci", or NULL (board only) */
    size_t instance_size;               /* Device must be the first member */
    bool user_creatable;                /* may be given with -device */
    bool (*realize)(Device *dev, GError **errp);
    void (*reset)(Device *dev);
    void (*unrealize)(Device *dev);
    const PropDesc *props;
} DeviceType;

struct Device {
    const DeviceType *type;
    char *id;
    bool realized;
    MemRegion *regions[DEV_MAX_REGIONS];  /* what the device exposes */
    unsigned nr_regions;
    IrqLine *irq_out;                   /* output lines the board connects */
    unsigned nr_irq_out;
    IrqSink *irq_in;                    /* input pins */
    unsigned nr_irq_in;
};

/* A bus knows how to plug a realized device into the machine. */
typedef struct BusType {
    const char *name;
    bool (*plug)(Device *dev, GError **errp);
} BusType;

void dev_type_register(const DeviceType *type);
void bus_type_register(const BusType *bus);
const DeviceType *dev_type_find(const char *name);
/* All registered types, sorted by name (for -device help). */
GPtrArray *dev_type_list(void);

Device *dev_new(const char *type_name, GError **errp);
bool dev_set_prop(Device *dev, const char *name, const char *value,
                  GError **errp);
const PropDesc *dev_find_prop(const Device *dev, const char *name);
/* Realize, then plug into the device's bus (when it has one). */
bool dev_realize(Device *dev, GError **errp);
/* dev_new + props from "key=val,..." (as -device) + dev_realize. */
Device *dev_create_from_opts(const char *opts, GError **errp);
void dev_free(Device *dev);
Device *dev_find(const char *id);
/* Every device in creation order, or NULL before the first (the monitor
 * lists them; do not change the array). */
const GPtrArray *dev_all(void);
/* Reset every realized device in creation order. */
void dev_reset_all(void);
/* Free every device (exit path and tests). */
void dev_destroy_all(void);

/* For realize functions: record what the device exposes. */
void dev_init_region(Device *dev, MemRegion *mr);
void dev_init_irq_out(Device *dev, IrqLine *lines, unsigned n);
void dev_init_irq_in(Device *dev, IrqHandler *handler, unsigned n);

#define DEVICE_TYPE_REGISTER(t)                                         \
    __attribute__((constructor)) static void dev_type_reg_##t(void)     \
    {                                                                   \
        dev_type_register(&(t));                                        \
    }

#define BUS_TYPE_REGISTER(t)                                            \
    __attribute__((constructor)) static void bus_type_reg_##t(void)     \
    {                                                                   \
        bus_type_register(&(t));                                        \
    }

#endif /* KESTREL_DEVICE_H */
