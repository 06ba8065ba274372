/* SPDX-License-Identifier: MIT */
/*
 * Machine requests and the board registry: what devices and front-ends
 * call from any thread (reset, shutdown, debug exit), kept apart from
 * system/runstate.c so that device unit tests link without the CPU.
 * The main loop in runstate.c takes the requests with requests_take().
 */
#include "kestrel/osdep.h"
#include "kestrel/runstate.h"
#include "system/requests.h"

static ShutdownCause shutdown_cause;
static bool reset_requested;
static int exit_status;
static GHashTable *board_types;
static Machine *the_machine;

void board_type_register(const BoardType *board)
{
    if (!board_types) {
        board_types = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_insert(board_types, (gpointer)board->name, (gpointer)board);
}

const BoardType *board_type_find(const char *name)
{
    return board_types ? g_hash_table_lookup(board_types, name) : NULL;
}

Machine *current_machine(void)
{
    return the_machine;
}

void requests_set_machine(Machine *m)
{
    the_machine = m;
}

void machine_request_shutdown(ShutdownCause cause)
{
    __atomic_store_n(&shutdown_cause, cause, __ATOMIC_RELEASE);
    g_main_context_wakeup(NULL);
}

void machine_request_reset(void)
{
    __atomic_store_n(&reset_requested, true, __ATOMIC_RELEASE);
    g_main_context_wakeup(NULL);
}

void machine_request_exit(int status)
{
    exit_status = status;
    machine_request_shutdown(SHUTDOWN_DEBUG_EXIT);
}

void requests_take(ShutdownCause *cause, bool *reset)
{
    *cause = __atomic_exchange_n(&shutdown_cause, SHUTDOWN_NONE,
                                 __ATOMIC_ACQ_REL);
    *reset = __atomic_exchange_n(&reset_requested, false, __ATOMIC_ACQ_REL);
}

int requests_exit_status(void)
{
    return exit_status;
}
