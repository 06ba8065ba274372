/* SPDX-License-Identifier: MIT */
/*
 * integer workload (bench/run-bench.py): a CoreMark-style mix, our own
 * code: a linked list sorted by merge sort (by value, then back by index),
 * a 16x16 matrix multiply with constant and bit-field steps, a state
 * machine scanning a text of numbers, and a CRC-16 over every result.
 * Prints a checksum (the same under every emulator) and the guest's
 * clock_gettime figure.
 */
#include "sys.h"

#define ITER 10000
#define NODES 128
#define MAT 16
#define TEXT 512

typedef struct Node {
    struct Node *next;
    short val, idx;
} Node;

static Node pool[NODES];
static short ma[MAT * MAT], mb[MAT * MAT];
static int mc[MAT * MAT];
static char text[TEXT];

static unsigned short crc16(unsigned short crc, unsigned v, int bits)
{
    for (int i = 0; i < bits; i++) {
        unsigned x = (v ^ crc) & 1;

        v >>= 1;
        crc = x ? (crc >> 1) ^ 0xa001 : crc >> 1;
    }
    return crc;
}

static int cmp_val(const Node *a, const Node *b)
{
    return a->val - b->val;
}

static int cmp_idx(const Node *a, const Node *b)
{
    return a->idx - b->idx;
}

/* bottom-up merge sort of a singly linked list */
static Node *list_sort(Node *list, int (*cmp)(const Node *, const Node *))
{
    for (int k = 1;; k *= 2) {
        Node *p = list, *tail = 0;
        int merges = 0;

        list = 0;
        while (p) {
            Node *q = p;
            int psize = 0, qsize = k;

            merges++;
            while (psize < k && q) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                Node *e;

                if (!psize) {
                    e = q, q = q->next, qsize--;
                } else if (!qsize || !q || cmp(p, q) <= 0) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail) {
                    tail->next = e;
                } else {
                    list = e;
                }
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1) {
            return list;
        }
    }
}

static unsigned short bench_list(unsigned short crc, int seed)
{
    Node *list = 0;

    for (int i = NODES - 1; i >= 0; i--) {
        pool[i].idx = i;
        pool[i].val = (short)((i * 0x9e37 + seed * 31) ^ (seed >> 3)) & 0x7fff;
        pool[i].next = list;
        list = &pool[i];
    }
    list = list_sort(list, cmp_val);
    crc = crc16(crc, list->val, 16);
    for (Node *n = list; n; n = n->next) {  /* find and nudge */
        if ((n->val & 0xff) == (seed & 0xff)) {
            n->val ^= 0x55;
        }
    }
    list = list_sort(list, cmp_idx);
    for (Node *n = list; n; n = n->next) {
        crc = crc16(crc, n->val, 16);
    }
    return crc;
}

static unsigned short bench_matrix(unsigned short crc, int seed)
{
    for (int i = 0; i < MAT * MAT; i++) {
        ma[i] = (short)(i * 7 + seed) & 0xfff;
        mb[i] = (short)(i * 13 - seed) & 0xfff;
    }
    for (int i = 0; i < MAT * MAT; i++) {       /* add a constant */
        ma[i] += seed & 0xff;
    }
    for (int i = 0; i < MAT; i++) {             /* matrix x matrix */
        for (int j = 0; j < MAT; j++) {
            int s = 0;

            for (int k = 0; k < MAT; k++) {
                s += ma[i * MAT + k] * mb[k * MAT + j];
            }
            mc[i * MAT + j] = s;
        }
    }
    int sum = 0;
    for (int i = 0; i < MAT * MAT; i++) {       /* bit fields */
        int v = (mc[i] >> 2) & 0x0fff;

        sum += v > 100 ? v : -v;
    }
    return crc16(crc, sum, 32);
}

enum { S_START, S_INT, S_FRAC, S_EXP, S_EXPNUM, S_BAD };

static unsigned short bench_state(unsigned short crc, int seed)
{
    static const char pieces[][8] = { "5012", "1.25", "-190", "3e-5", "x7",
                                      "+0.5e3", "1.a", "77", "--1" };
    int n = 0, counts[6] = { 0 };

    for (unsigned i = 0; n < TEXT - 9; i++) {
        const char *p = pieces[(i * 5 + seed) % 9];

        while (*p) {
            text[n++] = *p++;
        }
        text[n++] = ',';
    }
    text[n] = 0;
    int st = S_START;
    for (const char *c = text; *c; c++) {
        char ch = *c;

        if (ch == ',') {
            counts[st]++;
            st = S_START;
            continue;
        }
        switch (st) {
        case S_START:
            st = (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ? S_INT
                 : ch == '.' ? S_FRAC : S_BAD;
            break;
        case S_INT:
            st = ch == '.' ? S_FRAC : ch == 'e' ? S_EXP
                 : ch >= '0' && ch <= '9' ? S_INT : S_BAD;
            break;
        case S_FRAC:
            st = ch == 'e' ? S_EXP : ch >= '0' && ch <= '9' ? S_FRAC : S_BAD;
            break;
        case S_EXP:
            st = (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' ? S_EXPNUM
                 : S_BAD;
            break;
        case S_EXPNUM:
            st = ch >= '0' && ch <= '9' ? S_EXPNUM : S_BAD;
            break;
        default:
            break;
        }
    }
    for (int i = 0; i < 6; i++) {
        crc = crc16(crc, counts[i], 16);
    }
    return crc;
}

int bench_main(void)
{
    unsigned long long t0 = now_ns();
    unsigned short crc = 0;

    for (int it = 0; it < ITER; it++) {
        crc = bench_list(crc, it);
        crc = bench_matrix(crc, it);
        crc = bench_state(crc, it);
    }
    put("integer mix checksum ");
    put_u(crc);
    put("\n");
    report(now_ns() - t0);
    return 0;
}
