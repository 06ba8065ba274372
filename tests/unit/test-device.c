/* SPDX-License-Identifier: MIT */
/*
 * The device registry: types, properties with defaults and bad values,
 * -device option strings, ids, reset order.
 */
#include "kestrel/osdep.h"
#include "kestrel/device.h"

typedef struct ToyState {
    Device dev;
    uint16_t iobase;
    uint32_t size;
    bool fast;
    char *label;
    int resets;
} ToyState;

static const PropDesc toy_props[] = {
    DEV_PROP(ToyState, iobase, "iobase", PROP_U16, "0x300", "port base"),
    DEV_PROP(ToyState, size, "size", PROP_U32, "16", "bytes"),
    DEV_PROP(ToyState, fast, "fast", PROP_BOOL, "off", "go fast"),
    DEV_PROP(ToyState, label, "label", PROP_STR, NULL, "a name"),
    DEV_PROP_END,
};

static void toy_reset(Device *dev)
{
    container_of(dev, ToyState, dev)->resets++;
}

static const DeviceType toy_type = {
    .name = "toy", .desc = "a test device",
    .instance_size = sizeof(ToyState), .user_creatable = true,
    .reset = toy_reset, .props = toy_props,
};
DEVICE_TYPE_REGISTER(toy_type);

static const DeviceType hidden_type = {
    .name = "toy-board-only", .instance_size = sizeof(Device),
};
DEVICE_TYPE_REGISTER(hidden_type);

static void test_defaults_and_props(void)
{
    g_autoptr(GError) err = NULL;
    Device *dev = dev_new("toy", &err);
    ToyState *s = container_of(dev, ToyState, dev);

    g_assert_no_error(err);
    g_assert_cmphex(s->iobase, ==, 0x300);
    g_assert_cmpuint(s->size, ==, 16);
    g_assert_true(dev_set_prop(dev, "fast", "on", NULL));
    g_assert_true(s->fast);
    g_assert_true(dev_set_prop(dev, "label", "x", NULL));
    g_assert_cmpstr(s->label, ==, "x");
    g_assert_false(dev_set_prop(dev, "iobase", "0x10000", &err));
    g_assert_error(err, KS_ERROR, KS_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_false(dev_set_prop(dev, "iobase", "-1", NULL));
    g_assert_false(dev_set_prop(dev, "fast", "maybe", NULL));
    g_assert_false(dev_set_prop(dev, "nosuch", "1", &err));
    g_assert_nonnull(strstr(err->message, "nosuch"));
    dev_free(dev);
}

static void test_create_from_opts(void)
{
    g_autoptr(GError) err = NULL;
    Device *dev = dev_create_from_opts("toy,id=t0,iobase=0x280,size=8", &err);

    g_assert_no_error(err);
    g_assert_true(dev_find("t0") == dev);
    g_assert_cmphex(container_of(dev, ToyState, dev)->iobase, ==, 0x280);
    g_assert_cmpint(container_of(dev, ToyState, dev)->resets, ==, 1);
    dev_reset_all();
    g_assert_cmpint(container_of(dev, ToyState, dev)->resets, ==, 2);
    dev_destroy_all();
    g_assert_null(dev_find("t0"));

    g_assert_null(dev_create_from_opts("nosuchdevice", &err));
    g_assert_nonnull(strstr(err->message, "nosuchdevice"));
    g_clear_error(&err);
    g_assert_null(dev_create_from_opts("toy,size=big", &err));
    g_assert_nonnull(strstr(err->message, "size"));
    g_clear_error(&err);
    g_assert_null(dev_create_from_opts("toy-board-only", &err));
    g_assert_nonnull(strstr(err->message, "cannot be created"));
}

static void test_type_list(void)
{
    g_autoptr(GPtrArray) types = dev_type_list();
    bool found = false;

    for (guint i = 0; i < types->len; i++) {
        const DeviceType *t = types->pdata[i];
        found |= !strcmp(t->name, "toy");
        if (i) {
            const DeviceType *prev = types->pdata[i - 1];
            g_assert_cmpint(strcmp(prev->name, t->name), <, 0);
        }
    }
    g_assert_true(found);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/device/props", test_defaults_and_props);
    g_test_add_func("/core/device/from-opts", test_create_from_opts);
    g_test_add_func("/core/device/type-list", test_type_list);
    return g_test_run();
}
