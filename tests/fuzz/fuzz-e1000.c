/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the e1000 (hw/net/e1000.c, e1000-ring.c): the
 * input is a program of register writes and reads, guest RAM stores
 * (descriptors, buffers), frames arriving from the back-end and clock
 * steps, run on a fresh-reset device with 64 KiB of RAM, a PCI bus and a
 * test back-end that takes every frame. Rings and descriptors may point
 * anywhere: every bad value must end in a guest_errors line, never a
 * crash; ASan/UBSan catch the rest. Built by `make fuzz`
 * (scripts/build-fuzz); run e.g. ./fuzz-e1000 -max_len=4096 corpus/
 *
 * Ops (first byte % 5): 0 write reg (u16 offset*4, u32 value), 1 read
 * reg (u16), 2 RAM store (u16 address, 16 bytes), 3 receive a frame
 * (u16 length, bytes), 4 step the virtual clock (u16 microseconds).
 */
#include "kestrel/osdep.h"
#include "kestrel/net.h"
#include "kestrel/pci.h"
#include "kestrel/timer.h"

#define FUZZ_RAM        0x10000
#define FUZZ_MMIO       0xfeb00000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_back_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    return true;
}

static const NetClientOps fuzz_back_ops = {
    .type = "fuzz",
    .receive = fuzz_back_receive,
};

static NetClient fuzz_back;
static PciDevice *fuzz_nic;

static void fuzz_init(void)
{
    static MemRegion ram;
    GError *err = NULL;

    clock_set_manual(true);
    as_init(&address_space_memory, "memory", 1ull << 32);
    as_init(&address_space_io, "io", 0x10000);
    mr_init_ram(&ram, "ram", FUZZ_RAM);
    as_map(&address_space_memory, &ram, 0, 0);
    pci_bus_new(&address_space_memory, &address_space_io);
    net_client_init(&fuzz_back, &fuzz_back_ops, "f0", NULL, true);
    if (!net_netdev_register(&fuzz_back, &err)) {
        ks_abort("fuzz-e1000: %s", err->message);
    }
    fuzz_nic = (PciDevice *)dev_create_from_opts("e1000,netdev=f0,addr=3",
                                                 &err);
    if (!fuzz_nic) {
        ks_abort("fuzz-e1000: %s", err->message);
    }
}

/* After every reset: the reset clears the BAR and the command register. */
static void fuzz_pci_setup(void)
{
    pci_config_write(fuzz_nic, PCI_BASE_ADDRESS_0, FUZZ_MMIO, 4);
    pci_config_write(fuzz_nic, PCI_COMMAND, PCI_COMMAND_MEMORY |
                     PCI_COMMAND_MASTER, 2);
}

static bool take(const uint8_t **p, const uint8_t *end, void *out,
                 size_t n)
{
    if ((size_t)(end - *p) < n) {
        return false;
    }
    memcpy(out, *p, n);
    *p += n;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    uint8_t op, buf[16];
    uint16_t a;
    uint32_t v;

    if (!fuzz_nic) {
        fuzz_init();
    }
    dev_reset_all();
    fuzz_pci_setup();
    while (take(&p, end, &op, 1) && take(&p, end, &a, 2)) {
        switch (op % 5) {
        case 0:
            if (!take(&p, end, &v, 4)) {
                return 0;
            }
            as_write(&address_space_memory, FUZZ_MMIO + (a & 0x7fff) * 4u,
                     v, 4);
            break;
        case 1:
            as_read(&address_space_memory, FUZZ_MMIO + (a & 0x7fff) * 4u,
                    4, NULL);
            break;
        case 2:
            if (!take(&p, end, buf, sizeof(buf))) {
                return 0;
            }
            dma_write(a & ~15u, buf, sizeof(buf));
            break;
        case 3:
            a = MIN(a, (size_t)(end - p));
            net_send(&fuzz_back, p, a);
            p += a;
            break;
        default:
            clock_step_ns(a * 1000LL);
            break;
        }
    }
    return 0;
}
