/* SPDX-License-Identifier: MIT */
/*
 * The command-line option table and the argv loop. One table lists every
 * option Kestrel knows: its argument, its -help line and its handler; the
 * same table prints -help, so the two cannot disagree. QEMU options that
 * Kestrel does not implement are in the table too, without help text, so
 * they are rejected by name rather than ignored.
 *
 * Called by system/main.c. Handlers live in options-machine.c and
 * options-media.c; options-finish.c applies defaults at the end.
 * Missing: -readconfig files, and QEMU's "-opt=value" spelling (QEMU does
 * not accept it either).
 */
#include "kestrel/osdep.h"
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "kestrel/chardev.h"
#include "kestrel/device.h"
#include "cpu/x86/cpu.h"
#include "system/options-internal.h"

#define CFG(field) ((int)offsetof(MachineConfig, field))
#define GROUP(title) { .name = NULL, .help = (title) }
#define NOT_SUPPORTED(nm, arg) { .name = (nm), .argname = (arg) }

static const KsOption ks_options[] = {
    GROUP("Standard options"),
    { "h", NULL, "print this help and exit (also -help)", opt_help },
    { "help", NULL, "print this help and exit", opt_help },
    { "version", NULL, "print the version and exit", opt_version },
    { "machine", "[type=]pc[,accel=kvm:tcg]",
      "board type (only pc, the i440FX/PIIX3 PC); -machine help", opt_machine },
    { "M", "pc", "the same as -machine", opt_machine },
    { "cpu", "MODEL", "CPU model; -cpu help lists them", opt_cpu },
    { "accel", "NAME[,prop=value]",
      "accelerator: kvm, tcg, or kvm:tcg to try in order (tcg,jit=off: "
      "IR interpreter)", opt_accel },
    { "enable-kvm", NULL, "the same as -accel kvm", opt_enable_kvm },
    { "m", "[size=]SIZE",
      "RAM size; a bare number is MiB, or use k/M/G (default 128M)",
      opt_memory },
    { "smp", "[cpus=]N[,sockets=S,cores=C,threads=T,maxcpus=M]",
      "number of virtual CPUs", opt_smp },
    { "name", "NAME", "name of the guest (window title, monitor)", opt_name },
    { "rtc", "[base=utc|localtime|DATE][,clock=host|rt|vm]",
      "RTC start time and clock", opt_rtc },
    { "nodefaults", NULL, "create no default devices or consoles",
      opt_flag, CFG(nodefaults) },
    { "global", "DRIVER.PROP=VALUE", "default value of a device property",
      opt_global },
    GROUP("Block devices and boot"),
    { "hda", "FILE", "IDE primary master disk image", opt_drive_short, 0 },
    { "hdb", "FILE", "IDE primary slave disk image", opt_drive_short, 1 },
    { "hdc", "FILE", "IDE secondary master disk image", opt_drive_short, 2 },
    { "hdd", "FILE", "IDE secondary slave disk image", opt_drive_short, 3 },
    { "cdrom", "FILE", "CD-ROM image (IDE secondary master)",
      opt_drive_short, 4 },
    { "fda", "FILE", "floppy image for drive A:", opt_drive_short, 5 },
    { "fdb", "FILE", "floppy image for drive B:", opt_drive_short, 6 },
    { "drive", "file=F[,if=ide|floppy|none][,media=disk|cdrom][,index=I]"
      "[,format=raw|qcow2][,snapshot=on][,readonly=on][,id=ID]",
      "a drive, in full", opt_drive },
    { "snapshot", NULL, "write to temporary overlays, never to the images",
      opt_flag, CFG(snapshot) },
    { "boot", "[order=]DRIVES[,once=DRIVES][,menu=on|off]",
      "boot order: a, b floppy; c disk; d CD-ROM; n network", opt_boot },
    { "bios", "FILE", "BIOS image (default: SeaBIOS bios.bin)", opt_string,
      CFG(bios) },
    { "L", "DIR", "directory searched first for firmware",
      opt_firmware_dir },
    GROUP("Linux boot"),
    { "kernel", "BZIMAGE", "boot this Linux kernel", opt_file, CFG(kernel) },
    /* Not opt_file: multiboot takes "file args,file args" (the loaders
     * open the files and name them in their errors). */
    { "initrd", "FILE", "initial ram disk for -kernel (multiboot: modules "
      "\"file args,...\")", opt_string, CFG(initrd) },
    { "append", "CMDLINE", "kernel command line for -kernel", opt_string,
      CFG(append) },
    GROUP("Character devices and monitor"),
    { "chardev", "BACKEND,id=ID[,...]",
      "character device: stdio, file, pty, socket, null; -chardev help",
      opt_chardev },
    { "serial", "DEV", "serial port: stdio, pty, file:F, tcp:H:P,server=on, "
      "unix:P, mon:stdio, chardev:ID, null, none", opt_serial },
    { "parallel", "DEV", "parallel port back-end (as -serial)",
      opt_parallel },
    { "monitor", "DEV", "human monitor (HMP) on a back-end (as -serial)",
      opt_monitor },
    { "qmp", "DEV", "QMP (JSON) monitor on a back-end (as -serial)",
      opt_qmp },
    { "mon", "chardev=ID[,mode=readline|control]",
      "a monitor on a -chardev", opt_mon },
    { "debugcon", "DEV", "debug console (port 0xe9) back-end (as -serial)",
      opt_debugcon },
    GROUP("Devices and network"),
    { "device", "TYPE[,prop=value...]",
      "add a device; -device help, -device TYPE,help", opt_device },
    { "netdev", "user,id=ID[,...]", "network back-end (user: libslirp)",
      opt_netdev },
    { "nic", "[user|none][,model=M][,...]", "a NIC with its back-end",
      opt_nic },
    { "net", "...", "not supported: use -netdev with -device, or -nic",
      opt_net },
    { "object", "filter-dump,id=ID,netdev=N,file=F",
      "capture a back-end's frames to a pcap file", opt_object },
    GROUP("Display"),
    { "display", "none|sdl|curses|vnc=DISPLAY", "display front-end",
      opt_display },
    { "nographic", NULL, "no display; serial and monitor on stdio "
      "(Ctrl-A h for help)", opt_nographic },
    { "vga", "std|none", "video card", opt_vga },
    { "vnc", "[HOST]:N", "a VNC server on port 5900+N, beside the "
      "display", opt_vnc },
    GROUP("Run control and debugging"),
    { "no-reboot", NULL, "exit instead of rebooting", opt_flag,
      CFG(no_reboot) },
    { "no-shutdown", NULL, "stop instead of exiting on guest poweroff",
      opt_flag, CFG(no_shutdown) },
    { "S", NULL, "do not start the CPU (use the monitor's cont)", opt_flag,
      CFG(start_stopped) },
    { "s", NULL, "the same as -gdb tcp::1234", opt_gdb_default },
    { "gdb", "DEV", "wait for a GDB connection on DEV (tcp::PORT)",
      opt_gdb },
    { "d", "ITEM[,...]", "log items; -d help lists them", opt_log },
    { "D", "FILE", "write the log to FILE instead of stderr",
      opt_log_file },
    /* Real QEMU options that Kestrel rejects by name. */
    NOT_SUPPORTED("usb", NULL), NOT_SUPPORTED("usbdevice", "DEV"),
    NOT_SUPPORTED("soundhw", "CARD"), NOT_SUPPORTED("audiodev", "OPTS"),
    NOT_SUPPORTED("audio", "OPTS"), NOT_SUPPORTED("icount", "OPTS"),
    NOT_SUPPORTED("loadvm", "TAG"), NOT_SUPPORTED("incoming", "URI"),
    NOT_SUPPORTED("numa", "OPTS"),
    NOT_SUPPORTED("blockdev", "OPTS"), NOT_SUPPORTED("fsdev", "OPTS"),
    NOT_SUPPORTED("virtfs", "OPTS"), NOT_SUPPORTED("spice", "OPTS"),
    NOT_SUPPORTED("k", "LAYOUT"), NOT_SUPPORTED("mem-path", "PATH"),
    NOT_SUPPORTED("mem-prealloc", NULL), NOT_SUPPORTED("daemonize", NULL),
    NOT_SUPPORTED("pidfile", "FILE"), NOT_SUPPORTED("readconfig", "FILE"),
    NOT_SUPPORTED("writeconfig", "FILE"), NOT_SUPPORTED("trace", "OPTS"),
    NOT_SUPPORTED("plugin", "OPTS"), NOT_SUPPORTED("option-rom", "FILE"),
    NOT_SUPPORTED("fw_cfg", "OPTS"), NOT_SUPPORTED("smbios", "OPTS"),
    NOT_SUPPORTED("acpitable", "OPTS"), NOT_SUPPORTED("no-acpi", NULL),
    NOT_SUPPORTED("no-hpet", NULL), NOT_SUPPORTED("full-screen", NULL),
    NOT_SUPPORTED("watchdog-action", "ACTION"),
    NOT_SUPPORTED("tpmdev", "OPTS"), NOT_SUPPORTED("sandbox", "OPTS"),
    NOT_SUPPORTED("runas", "USER"), NOT_SUPPORTED("chroot", "DIR"),
    NOT_SUPPORTED("pflash", "FILE"), NOT_SUPPORTED("sd", "FILE"),
    NOT_SUPPORTED("mtdblock", "FILE"), NOT_SUPPORTED("overcommit", "OPTS"),
    NOT_SUPPORTED("semihosting", NULL), NOT_SUPPORTED("add-fd", "OPTS"),
    NOT_SUPPORTED("msg", "OPTS"), NOT_SUPPORTED("one-insn-per-tb", NULL),
};

void opt_error(GError **errp, const KsOption *opt, const char *arg,
               const char *fmt, ...)
{
    g_autofree char *cause = NULL;
    va_list ap;

    va_start(ap, fmt);
    cause = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (arg) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "-%s %s: %s",
                    opt->name, arg, cause);
    } else {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "-%s: %s",
                    opt->name, cause);
    }
}

char *opt_label(const KsOption *opt)
{
    return g_strdup_printf("-%s", opt->name);
}

bool opt_check_file(const char *label, const char *path, bool write,
                    GError **errp)
{
    int fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    struct stat st;
    bool is_dir;

    if (fd < 0 && errno == EISDIR) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: cannot open: %s",
                    label, g_strerror(errno));
        return false;
    }
    is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    close(fd);
    if (is_dir) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "%s: is a directory",
                    label);
        return false;
    }
    return true;
}

bool opt_is_help(const char *arg)
{
    return !strcmp(arg, "help") || !strcmp(arg, "?");
}

void opt_set_str(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
}

const OptChoice *opt_choice_find(const OptChoice *list, const char *name)
{
    for (; list->name; list++) {
        if (!strcmp(list->name, name)) {
            return list;
        }
    }
    return NULL;
}

bool opt_help(OptCtx *ctx, const KsOption *opt, const char *arg,
              GError **errp)
{
    ctx->cl->help = true;
    return true;
}

bool opt_version(OptCtx *ctx, const KsOption *opt, const char *arg,
                 GError **errp)
{
    ctx->cl->version = true;
    return true;
}

bool opt_flag(OptCtx *ctx, const KsOption *opt, const char *arg,
              GError **errp)
{
    *(bool *)((char *)ctx->cfg + opt->data) = true;
    return true;
}

bool opt_string(OptCtx *ctx, const KsOption *opt, const char *arg,
                GError **errp)
{
    opt_set_str((char **)((char *)ctx->cfg + opt->data), arg);
    return true;
}

bool opt_file(OptCtx *ctx, const KsOption *opt, const char *arg,
              GError **errp)
{
    g_autofree char *label = g_strdup_printf("-%s %s", opt->name, arg);

    return opt_check_file(label, arg, false, errp)
           && opt_string(ctx, opt, arg, errp);
}

static const KsOption *options_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ks_options); i++) {
        if (ks_options[i].name && !strcmp(ks_options[i].name, name)) {
            return &ks_options[i];
        }
    }
    return NULL;
}

bool options_parse(CmdLine *cl, int argc, char **argv, GError **errp)
{
    static const KsOption image_opt = { "hda", "FILE", "", opt_drive_short };
    OptCtx ctx = { .cl = cl };
    bool ok = true;
    int i = 1;

    cl->cfg = machine_config_new();
    ctx.cfg = cl->cfg;
    ctx.chardev_ids = g_ptr_array_new_with_free_func(g_free);
    ctx.drive_labels = g_ptr_array_new_with_free_func(g_free);
    while (ok && i < argc) {
        const char *word = argv[i++];
        const char *name = word + 1;
        const KsOption *opt;
        const char *arg;

        if (word[0] != '-' || !word[1]) {
            /* A bare file name is the first hard disk, as in QEMU. */
            ok = opt_drive_short(&ctx, &image_opt, word, errp);
            continue;
        }
        if (name[0] == '-') {
            name++;                     /* --opt is the same as -opt */
        }
        opt = options_find(name);
        if (!opt) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "%s: unknown option (-help lists them)", word);
            ok = false;
        } else if (!opt->help) {
            g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                        "-%s: not supported by Kestrel", opt->name);
            ok = false;
        } else if (opt->argname && i >= argc) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "-%s: missing argument (%s)", opt->name,
                        opt->argname);
            ok = false;
        } else {
            arg = opt->argname ? argv[i++] : NULL;
            ok = opt->handler(&ctx, opt, arg, errp);
        }
        if (cl->help || cl->version) {
            break;                      /* as QEMU: answered at once */
        }
    }
    if (ok && !cl->help && !cl->version && !cl->help_topic) {
        ok = options_finish(&ctx, errp);
    }
    g_ptr_array_unref(ctx.chardev_ids);
    g_ptr_array_unref(ctx.drive_labels);
    return ok;
}

void cmdline_clear(CmdLine *cl)
{
    machine_config_free(cl->cfg);
    g_free(cl->help_topic);
    g_free(cl->log_items);
    g_free(cl->log_file);
    memset(cl, 0, sizeof(*cl));
}

void options_print_help(void)
{
    g_autoptr(GString) unsupported = g_string_new(NULL);

    printf("Usage: kestrel [options] [disk_image]\n"
           "Kestrel runs a PC guest; the options are a subset of QEMU's "
           "(--opt works as -opt).\n");
    for (size_t i = 0; i < G_N_ELEMENTS(ks_options); i++) {
        const KsOption *opt = &ks_options[i];
        g_autofree char *usage = NULL;

        if (!opt->name) {
            printf("\n%s:\n", opt->help);
            continue;
        }
        if (!opt->help) {
            g_string_append_printf(unsupported, " -%s", opt->name);
            continue;
        }
        usage = g_strdup_printf("-%s%s%s", opt->name,
                                opt->argname ? " " : "",
                                opt->argname ? opt->argname : "");
        if (strlen(usage) > 24) {
            printf("  %s\n  %-24s %s\n", usage, "", opt->help);
        } else {
            printf("  %-24s %s\n", usage, opt->help);
        }
    }
    printf("\nQEMU options that Kestrel does not support (rejected):\n"
           " %s\n", unsupported->str);
}

static void options_print_choices(const char *title, const OptChoice *list)
{
    printf("%s:\n", title);
    for (; list->name; list++) {
        printf("  %-12s %s\n", list->name, list->help);
    }
}

static void options_print_cpus(void)
{
    unsigned n;
    const X86CPUModel *models = x86_cpu_model_list(&n);

    printf("CPU models (-cpu):\n");
    for (unsigned i = 0; i < n; i++) {
        printf("  %-12s %s\n", models[i].name, models[i].desc);
    }
}

static bool options_print_device(const char *type_name, GError **errp)
{
    const DeviceType *type = dev_type_find(type_name);

    if (!type) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-device %s,help: unknown device type "
                    "(-device help lists them)", type_name);
        return false;
    }
    printf("%s options:\n", type->name);
    for (const PropDesc *p = type->props; p && p->name; p++) {
        printf("  %-20s %s%s%s%s\n", p->name, p->help ? p->help : "",
               p->defval ? " (default: " : "", p->defval ? p->defval : "",
               p->defval ? ")" : "");
    }
    return true;
}

static void options_print_devices(void)
{
    g_autoptr(GPtrArray) types = dev_type_list();

    printf("Device types (-device TYPE,help lists the properties):\n");
    for (guint i = 0; i < types->len; i++) {
        const DeviceType *type = g_ptr_array_index(types, i);

        printf("  %-20s %-5s %s%s\n", type->name,
               type->bus ? type->bus : "", type->desc ? type->desc : "",
               type->user_creatable ? "" : " (built into the board)");
    }
}

bool options_print_topic(const char *topic, GError **errp)
{
    static const struct {
        const char *topic;
        const char *title;
        const OptChoice *list;
    } lists[] = {
        { "machine", "Machine types (-machine)", opt_machines },
        { "accel", "Accelerators (-accel)", opt_accels },
        { "display", "Displays (-display)", opt_displays },
        { "vga", "Video cards (-vga)", opt_vgas },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(lists); i++) {
        if (!strcmp(topic, lists[i].topic)) {
            options_print_choices(lists[i].title, lists[i].list);
            return true;
        }
    }
    if (!strcmp(topic, "cpu")) {
        options_print_cpus();
    } else if (!strcmp(topic, "chardev")) {
        chardev_print_backends();
    } else if (!strcmp(topic, "device")) {
        options_print_devices();
    } else if (g_str_has_prefix(topic, "device:")) {
        return options_print_device(topic + 7, errp);
    } else {
        ks_abort("no help topic '%s'", topic);
    }
    return true;
}
