/* SPDX-License-Identifier: MIT */
/*
 * A write-back cache of qcow2 metadata clusters (L2 tables, refcount
 * blocks), one per kind, a fixed number of entries, least recently used
 * out first.
 *
 * A dirty table is written when it is evicted or at flush. The L2 cache
 * has a hook that runs before any of its tables is written: it writes the
 * dirty refcount blocks and syncs (qcow2.h, "Metadata write ordering").
 * Called from qcow2-refcount.c and qcow2-cluster.c.
 * Ref: qcow2 spec, "Cluster mapping", "Host cluster management".
 */
#include "kestrel/osdep.h"
#include "block/qcow2.h"

typedef struct Qcow2CacheEntry {
    uint64_t off;                       /* 0: unused */
    uint64_t *table;
    bool dirty;
    uint64_t last_use;
} Qcow2CacheEntry;

struct Qcow2Cache {
    BDRVQcow2State *s;
    Qcow2CacheEntry *entries;
    unsigned nr_entries;
    GHashTable *index;                  /* off -> Qcow2CacheEntry * */
    uint64_t use_counter;
    Qcow2CacheWriteHook *before_write;
    bool *written;                      /* set after each table write */
};

Qcow2Cache *qcow2_cache_new(BDRVQcow2State *s, unsigned entries,
                            Qcow2CacheWriteHook *before_write, bool *written)
{
    Qcow2Cache *c = g_new0(Qcow2Cache, 1);

    c->s = s;
    c->nr_entries = entries;
    c->entries = g_new0(Qcow2CacheEntry, entries);
    for (unsigned i = 0; i < entries; i++) {
        c->entries[i].table = g_malloc(s->cluster_size);
    }
    c->index = g_hash_table_new(g_int64_hash, g_int64_equal);
    c->before_write = before_write;
    c->written = written;
    return c;
}

void qcow2_cache_free(Qcow2Cache *c)
{
    if (!c) {
        return;
    }
    for (unsigned i = 0; i < c->nr_entries; i++) {
        g_free(c->entries[i].table);
    }
    g_hash_table_destroy(c->index);
    g_free(c->entries);
    g_free(c);
}

static bool qcow2_cache_write(Qcow2Cache *c, Qcow2CacheEntry *e,
                              GError **errp)
{
    BDRVQcow2State *s = c->s;

    if (!e->dirty) {
        return true;
    }
    if (c->before_write && !c->before_write(s, errp)) {
        return false;
    }
    if (block_file_pwrite(s->file, e->off, e->table, s->cluster_size,
                          errp) < 0) {
        return false;
    }
    e->dirty = false;
    if (c->written) {
        *c->written = true;
    }
    return true;
}

static Qcow2CacheEntry *qcow2_cache_find(Qcow2Cache *c, uint64_t off)
{
    return g_hash_table_lookup(c->index, &off);
}

uint64_t *qcow2_cache_get(Qcow2Cache *c, uint64_t off, bool fresh,
                          GError **errp)
{
    BDRVQcow2State *s = c->s;
    Qcow2CacheEntry *e = qcow2_cache_find(c, off);

    if (!e) {
        e = &c->entries[0];
        for (unsigned i = 1; i < c->nr_entries && e->off; i++) {
            if (!c->entries[i].off || c->entries[i].last_use < e->last_use) {
                e = &c->entries[i];
            }
        }
        if (e->off) {
            if (!qcow2_cache_write(c, e, errp)) {
                return NULL;
            }
            g_hash_table_remove(c->index, &e->off);
            e->off = 0;
        }
        if (fresh) {
            memset(e->table, 0, s->cluster_size);
        } else if (block_file_pread(s->file, off, e->table, s->cluster_size,
                                    errp) < 0) {
            return NULL;
        }
        e->off = off;
        e->dirty = false;
        g_hash_table_insert(c->index, &e->off, e);
    } else if (fresh) {
        memset(e->table, 0, s->cluster_size);
    }
    e->last_use = ++c->use_counter;
    return e->table;
}

void qcow2_cache_mark_dirty(Qcow2Cache *c, const uint64_t *table)
{
    for (unsigned i = 0; i < c->nr_entries; i++) {
        if (c->entries[i].table == table) {
            c->entries[i].dirty = true;
            return;
        }
    }
    ks_abort("qcow2 cache: table %p is not cached", (void *)table);
}

bool qcow2_cache_is_dirty(Qcow2Cache *c)
{
    for (unsigned i = 0; i < c->nr_entries; i++) {
        if (c->entries[i].off && c->entries[i].dirty) {
            return true;
        }
    }
    return false;
}

bool qcow2_cache_flush(Qcow2Cache *c, GError **errp)
{
    for (unsigned i = 0; i < c->nr_entries; i++) {
        if (c->entries[i].off && !qcow2_cache_write(c, &c->entries[i], errp)) {
            return false;
        }
    }
    return true;
}

void qcow2_cache_discard(Qcow2Cache *c, uint64_t off)
{
    Qcow2CacheEntry *e = qcow2_cache_find(c, off);

    if (e) {
        g_hash_table_remove(c->index, &e->off);
        e->off = 0;
        e->dirty = false;
        e->last_use = 0;
    }
}
