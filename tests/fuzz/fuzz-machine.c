/* SPDX-License-Identifier: MIT */
/*
 * The machine for the monitor fuzz targets: machine_create() (the first
 * half of machine_run) on the command line
 *
 *   kestrel -S -accel tcg -m 16 -smp 2 -nodefaults -display none
 *           -vga none -gdb null -drive file=DISK,format=raw,if=ide
 *           -drive if=ide,index=2,media=cdrom
 *
 * so the monitor sees two vCPUs, the PCI devices, a disk and an empty CD,
 * without vCPU threads or a main loop of its own. What a command asks of
 * the machine goes through the real mechanisms: stop and cont change the
 * run state (the vCPUs have no threads to park), system_reset and quit
 * are requests that machine_handle_requests() acts on between inputs as
 * the main loop would (a quit ends the input: the process would exit).
 * Two commands would touch the host and are refused by the machine's
 * configuration, not by the harness: screendump has no display (-vga
 * none), and gdbserver finds the GDB server already running (-gdb null).
 */
#include "kestrel/osdep.h"
#include <glib/gstdio.h>
#include "kestrel/accel.h"
#include "kestrel/options.h"
#include "kestrel/runstate.h"
#include "system/chardev-internal.h"
#include "fuzz-machine.h"

#define FUZZ_DISK_SIZE  (1u << 20)
#define FUZZ_MAX_STALLS 1000            /* main loop rounds without progress */

typedef struct FuzzChardev {
    Chardev chr;                        /* first: chardev_alloc() */
    GString *out;
} FuzzChardev;

static Machine *fuzz_m;

static int fuzz_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    FuzzChardev *f = container_of(chr, FuzzChardev, chr);

    g_string_append_len(f->out, (const char *)buf, len);
    return len;
}

static const CharBackend fuzz_chr_backend = {
    .name = "fuzz",
    .instance_size = sizeof(FuzzChardev),
    .write = fuzz_chr_write,
};

Chardev *fuzz_chr_new(const char *id)
{
    Chardev *chr = chardev_alloc(&fuzz_chr_backend, id);

    container_of(chr, FuzzChardev, chr)->out = g_string_new(NULL);
    chardev_register(chr);
    return chr;
}

GString *fuzz_chr_output(Chardev *chr)
{
    return container_of(chr, FuzzChardev, chr)->out;
}

void fuzz_chr_connect(Chardev *chr)
{
    chardev_send_event(chr, CHR_EVENT_CLOSED);
    chr->inlen = 0;                     /* the old client's unread bytes */
    g_string_truncate(fuzz_chr_output(chr), 0);
    chardev_send_event(chr, CHR_EVENT_OPENED);
}

static void fuzz_main_loop_run(void)
{
    while (g_main_context_iteration(NULL, false)) {
        continue;
    }
}

bool fuzz_chr_type(Chardev *chr, const uint8_t *data, size_t len,
                   size_t *consumed)
{
    size_t off = 0;
    int stalls = 0;

    *consumed = 0;
    while (off < len || chr->inlen > 0) {
        size_t n = MIN(len - off, (size_t)chardev_input_room(chr));
        int before = chr->inlen;
        bool taken;

        chardev_lock(&taken);
        chardev_input(chr, data + off, n);
        chardev_unlock(taken);
        off += n;
        fuzz_main_loop_run();
        *consumed = off;
        if (!machine_handle_requests(fuzz_m)) {
            return false;
        }
        stalls = n || chr->inlen < before ? 0 : stalls + 1;
        if (stalls > FUZZ_MAX_STALLS) {
            ks_abort("fuzz: the monitor stopped taking input (%d bytes "
                     "waiting)", chr->inlen);
        }
    }
    return true;
}

static char *fuzz_disk(const char *dir)
{
    g_autofree uint8_t *fill = g_malloc(FUZZ_DISK_SIZE);
    char *path = g_build_filename(dir, "disk.img", NULL);
    GError *err = NULL;

    for (unsigned i = 0; i < FUZZ_DISK_SIZE; i++) {
        fill[i] = i * 13 + (i >> 9);
    }
    if (!g_file_set_contents(path, (char *)fill, FUZZ_DISK_SIZE, &err)) {
        ks_abort("fuzz: %s", err->message);
    }
    return path;
}

Machine *fuzz_machine(void)
{
    g_autofree char *dir = NULL, *disk = NULL, *drive = NULL;
    CmdLine cl = { 0 };
    GError *err = NULL;

    if (fuzz_m) {
        return fuzz_m;
    }
    dir = g_dir_make_tmp("fuzz-machine-XXXXXX", NULL);
    disk = fuzz_disk(dir);
    drive = g_strdup_printf("file=%s,format=raw,if=ide", disk);
    {
        char *argv[] = {
            "kestrel", "-S", "-accel", "tcg", "-m", "16", "-smp", "2",
            "-nodefaults",
            "-display", "none", "-vga", "none", "-gdb", "null",
            "-drive", drive, "-drive", "if=ide,index=2,media=cdrom", NULL,
        };

        if (!options_parse(&cl, G_N_ELEMENTS(argv) - 1, argv, &err) ||
            !(fuzz_m = machine_create(cl.cfg, &err))) {
            ks_abort("fuzz: cannot build the machine: %s", err->message);
        }
    }
    g_unlink(disk);                     /* the image stays open */
    g_rmdir(dir);
    return fuzz_m;
}

void fuzz_machine_restart(void)
{
    Machine *m = fuzz_machine();
    GError *err = NULL;

    /* a new input is a new process: -accel tcg, even after "accel kvm" */
    if (strcmp(m->accel->name, "tcg") && !accel_switch(m, "tcg", &err)) {
        ks_abort("fuzz: back to TCG: %s", err->message);
    }
    machine_request_reset();
    machine_handle_requests(m);
    vm_stop(RUN_STATUS_PRELAUNCH);
    fuzz_main_loop_run();
}
