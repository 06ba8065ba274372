/* SPDX-License-Identifier: MIT */
/*
 * main(): parse the command line, answer the requests that need no
 * machine (-help, -version, "-device help" and the other listings,
 * -d help), set up logging (-d, -D), then run the machine and return its
 * exit status. Every user error is one line on stderr, "kestrel: ...",
 * and exit status 1.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel-config.h"
#include "kestrel/log.h"
#include "kestrel/options.h"
#include "kestrel/runstate.h"

static int main_fail(GError *err)
{
    fprintf(stderr, "kestrel: %s\n", err->message);
    g_error_free(err);
    return 1;
}

/* What to do before a machine exists; -1 means go on and run it. */
static int main_requests(CmdLine *cl)
{
    GError *err = NULL;
    bool exit_now = false;

    if (cl->help) {
        options_print_help();
        return 0;
    }
    if (cl->version) {
        printf("Kestrel emulator version %s (QEMU-compatible command line)\n",
               KESTREL_VERSION);
        return 0;
    }
    if (cl->help_topic) {
        return options_print_topic(cl->help_topic, &err) ? 0
                                                          : main_fail(err);
    }
    if (!ks_log_set_file(cl->log_file, &err)
        || (cl->log_items && !ks_log_parse(cl->log_items, &exit_now, &err))) {
        return main_fail(err);
    }
    return exit_now ? 0 : -1;
}

int main(int argc, char **argv)
{
    CmdLine cl = { 0 };
    GError *err = NULL;
    int ret;

    if (!options_parse(&cl, argc, argv, &err)) {
        cmdline_clear(&cl);
        return main_fail(err);
    }
    ret = main_requests(&cl);
    if (ret < 0) {
        ret = machine_run(cl.cfg);
    }
    fflush(stdout);
    ks_log_flush();
    cmdline_clear(&cl);
    return ret;
}
