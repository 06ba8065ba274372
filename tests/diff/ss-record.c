/* SPDX-License-Identifier: MIT */
/*
 * Parser of the SingleStepTests 80286 records and metadata (see
 * ss-record.h): a small JSON scanner over one line, which knows the keys of
 * the format (README.md of ../shared/singlestep-286, "Record format") and
 * skips any other value. tests/diff/singlestep.c calls it.
 * Missing: JSON string escapes beyond skipping them (the records hold none
 * that matter: names are only printed).
 */
#include "kestrel/osdep.h"
#include <zlib.h>
#include "ss-record.h"

const char *const ss_reg_names[SS_NREGS] = {
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di",
    "ip", "flags",
};

typedef struct JsonCur {
    const char *p;
    bool ok;
} JsonCur;

static void json_ws(JsonCur *c)
{
    while (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t') {
        c->p++;
    }
}

static bool json_lit(JsonCur *c, char ch)
{
    json_ws(c);
    if (*c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static void json_expect(JsonCur *c, char ch)
{
    if (!json_lit(c, ch)) {
        c->ok = false;
    }
}

static long json_int(JsonCur *c)
{
    char *end;
    long v;

    json_ws(c);
    v = strtol(c->p, &end, 10);
    if (end == c->p) {
        c->ok = false;
    }
    c->p = end;
    return v;
}

/* A string into buf (truncated to n - 1 characters). */
static void json_str(JsonCur *c, char *buf, size_t n)
{
    size_t len = 0;

    json_expect(c, '"');
    while (c->ok && *c->p && *c->p != '"') {
        if (*c->p == '\\' && c->p[1]) {
            c->p++;
        }
        if (len + 1 < n) {
            buf[len++] = *c->p;
        }
        c->p++;
    }
    if (n) {
        buf[len] = 0;
    }
    json_expect(c, '"');
}

static void json_skip(JsonCur *c)
{
    char tmp[2];

    json_ws(c);
    if (*c->p == '"') {
        json_str(c, tmp, sizeof(tmp));
    } else if (*c->p == '{' || *c->p == '[') {
        char close = *c->p == '{' ? '}' : ']';

        c->p++;
        if (json_lit(c, close)) {
            return;
        }
        do {
            if (close == '}') {
                json_str(c, tmp, sizeof(tmp));
                json_expect(c, ':');
            }
            json_skip(c);
        } while (c->ok && json_lit(c, ','));
        json_expect(c, close);
    } else if (*c->p == '-' || g_ascii_isdigit(*c->p)) {
        json_int(c);
    } else {
        while (g_ascii_isalpha(*c->p)) {    /* true, false, null */
            c->p++;
        }
    }
}

/* Iterate over an object's keys: key receives each; false at the end. */
static bool json_next_key(JsonCur *c, bool first, char *key, size_t n)
{
    if (!c->ok) {
        return false;
    }
    if (first) {
        json_expect(c, '{');
        if (json_lit(c, '}')) {
            return false;
        }
    } else if (!json_lit(c, ',')) {
        json_expect(c, '}');
        return false;
    }
    json_str(c, key, n);
    json_expect(c, ':');
    return c->ok;
}

static void ss_parse_state(JsonCur *c, SsState *s)
{
    char key[16];

    for (bool first = true; json_next_key(c, first, key, sizeof(key));
         first = false) {
        if (!strcmp(key, "regs")) {
            char reg[16];

            for (bool f = true; json_next_key(c, f, reg, sizeof(reg));
                 f = false) {
                long v = json_int(c);

                for (int i = 0; i < SS_NREGS; i++) {
                    if (!strcmp(reg, ss_reg_names[i])) {
                        s->regs[i] = v;
                        s->present |= 1u << i;
                    }
                }
            }
        } else if (!strcmp(key, "ram")) {
            json_expect(c, '[');
            if (json_lit(c, ']')) {
                continue;
            }
            do {
                SsByte b;

                json_expect(c, '[');
                b.addr = json_int(c);
                json_expect(c, ',');
                b.val = json_int(c);
                json_expect(c, ']');
                g_array_append_val(s->ram, b);
            } while (c->ok && json_lit(c, ','));
            json_expect(c, ']');
        } else {
            json_skip(c);
        }
    }
}

void ss_record_init(SsRecord *r)
{
    memset(r, 0, sizeof(*r));
    r->init.ram = g_array_new(false, false, sizeof(SsByte));
    r->fin.ram = g_array_new(false, false, sizeof(SsByte));
}

void ss_record_clear(SsRecord *r)
{
    g_array_unref(r->init.ram);
    g_array_unref(r->fin.ram);
}

bool ss_record_parse(SsRecord *r, const char *line)
{
    JsonCur c = { .p = line, .ok = true };
    char key[16];

    g_array_set_size(r->init.ram, 0);
    g_array_set_size(r->fin.ram, 0);
    memset(r->init.regs, 0, sizeof(r->init.regs));
    memset(r->fin.regs, 0, sizeof(r->fin.regs));
    r->init.present = r->fin.present = 0;
    r->nbytes = 0;
    r->exception = -1;
    r->name[0] = r->hash[0] = 0;
    for (bool first = true; json_next_key(&c, first, key, sizeof(key));
         first = false) {
        if (!strcmp(key, "idx")) {
            r->idx = json_int(&c);
        } else if (!strcmp(key, "name")) {
            json_str(&c, r->name, sizeof(r->name));
        } else if (!strcmp(key, "hash")) {
            json_str(&c, r->hash, sizeof(r->hash));
        } else if (!strcmp(key, "bytes")) {
            json_expect(&c, '[');
            do {
                long b = json_int(&c);

                if (r->nbytes < sizeof(r->bytes)) {
                    r->bytes[r->nbytes++] = b;
                }
            } while (c.ok && json_lit(&c, ','));
            json_expect(&c, ']');
        } else if (!strcmp(key, "initial")) {
            ss_parse_state(&c, &r->init);
        } else if (!strcmp(key, "final")) {
            ss_parse_state(&c, &r->fin);
        } else if (!strcmp(key, "exception")) {
            char k[16];

            for (bool f = true; json_next_key(&c, f, k, sizeof(k));
                 f = false) {
                if (!strcmp(k, "number")) {
                    r->exception = json_int(&c);
                } else {
                    json_skip(&c);
                }
            }
        } else {
            json_skip(&c);
        }
    }
    return c.ok && r->nbytes > 0 &&
           r->init.present == (1u << SS_NREGS) - 1;
}

bool ss_gz_getline(void *gz, GString *s)
{
    char buf[65536];

    g_string_truncate(s, 0);
    while (gzgets(gz, buf, sizeof(buf))) {
        g_string_append(s, buf);
        if (s->len && s->str[s->len - 1] == '\n') {
            break;
        }
    }
    return s->len > 0;
}

/* One entry of "opcodes" or of its "reg": the flags-mask, if any. */
static void ss_meta_entry(JsonCur *c, SsMeta *m, unsigned op, unsigned reg)
{
    char key[16];

    for (bool first = true; json_next_key(c, first, key, sizeof(key));
         first = false) {
        if (!strcmp(key, "flags-mask")) {
            m->mask[op][reg] = json_int(c);
        } else if (!strcmp(key, "reg") && reg == 8) {
            char r[8];

            for (bool f = true; json_next_key(c, f, r, sizeof(r)); f = false) {
                ss_meta_entry(c, m, op, atoi(r) & 7);
            }
        } else {
            json_skip(c);
        }
    }
}

bool ss_meta_load(SsMeta *m, const char *path, GError **errp)
{
    g_autofree char *text = NULL;
    JsonCur c;
    char key[32];

    for (unsigned i = 0; i < 256; i++) {
        for (unsigned j = 0; j < 9; j++) {
            m->mask[i][j] = 0xffff;
        }
    }
    if (!g_file_get_contents(path, &text, NULL, errp)) {
        return false;
    }
    c = (JsonCur) { .p = text, .ok = true };
    for (bool first = true; json_next_key(&c, first, key, sizeof(key));
         first = false) {
        if (strcmp(key, "opcodes")) {
            json_skip(&c);
            continue;
        }
        for (bool f = true; json_next_key(&c, f, key, sizeof(key));
             f = false) {
            ss_meta_entry(&c, m, strtoul(key, NULL, 16) & 0xff, 8);
        }
    }
    if (!c.ok) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: malformed JSON", path);
    }
    return c.ok;
}
