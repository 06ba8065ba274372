/* SPDX-License-Identifier: MIT */
/*
 * The big lock (see ARCHITECTURE.md, "Threads").
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"

static GRecMutex bql;
static __thread int bql_depth;

void bql_lock(void)
{
    g_rec_mutex_lock(&bql);
    bql_depth++;
}

void bql_unlock(void)
{
    g_assert(bql_depth > 0);
    bql_depth--;
    g_rec_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_depth > 0;
}
