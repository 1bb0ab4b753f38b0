/*
 * bench/peer_floor.c: the floor. A plain C struct with the same fields as Bench_Event, allocated
 * with malloc, filled from a template, handed through function pointers to three consumers that
 * apply the same predicates as the wbemev subscriptions, and freed. What any dynamic event model
 * must at least pay: one allocation, the copy, the indirect calls, the free.
 */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

struct plain_class {
    const char *name;
};

struct plain_stamp {
    uint16_t year;
    uint8_t month, day, hour, minute, second;
    uint32_t microseconds;
    int16_t utc_offset;
};

struct plain_event {
    const struct plain_class *cls;
    char name[24];
    int32_t severity;
    uint64_t sequence;
    struct plain_stamp stamp;
    bool flag;
    double load;
};

typedef void (*plain_consumer_fn)(void *ctx, const struct plain_event *e);

struct plain_consumer {
    plain_consumer_fn fn;
    const struct plain_class *cls; /* the class it waits for */
};

struct floor_peer {
    struct plain_class bench_class, other_class;
    struct plain_event template_event;
    struct plain_consumer consumers[3];
    size_t nconsumers;
    struct plain_event **batch;
    bench_tally tally;
};

static bench_tally *g_tally; /* the consumers' context: one peer at a time */

static void consume_all(void *ctx, const struct plain_event *e)
{
    const struct plain_consumer *c = ctx;
    if (e->cls != c->cls)
        return;
    g_tally->all++;
    g_tally->all_sum += e->sequence;
}

static void consume_severe(void *ctx, const struct plain_event *e)
{
    const struct plain_consumer *c = ctx;
    if (e->cls != c->cls || !(e->severity > BENCH_SEVERITY_LIMIT))
        return;
    g_tally->severe++;
    g_tally->severe_sum += (uint64_t)e->severity;
}

static void consume_other(void *ctx, const struct plain_event *e)
{
    const struct plain_consumer *c = ctx;
    if (e->cls != c->cls)
        return;
    g_tally->other++;
}

floor_peer *floor_peer_new(size_t max_batch)
{
    floor_peer *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->batch = calloc(max_batch, sizeof *p->batch);
    if (p->batch == NULL) {
        free(p);
        return NULL;
    }
    p->bench_class.name = BENCH_CLASS;
    p->other_class.name = BENCH_OTHER_CLASS;
    struct plain_event *t = &p->template_event;
    t->cls = &p->bench_class;
    memcpy(t->name, BENCH_NAME, sizeof BENCH_NAME);
    t->stamp.year = 2024;
    t->stamp.month = 5;
    t->stamp.day = 1;
    t->stamp.hour = 12;
    p->consumers[0] = (struct plain_consumer){consume_all, &p->bench_class};
    p->consumers[1] = (struct plain_consumer){consume_severe, &p->bench_class};
    p->consumers[2] = (struct plain_consumer){consume_other, &p->other_class};
    p->nconsumers = 3;
    return p;
}

static struct plain_event *make_event(const floor_peer *p, uint64_t seq)
{
    struct plain_event *e = malloc(sizeof *e);
    if (e == NULL)
        abort();
    *e = p->template_event; /* the clone */
    e->severity = bench_severity(seq);
    e->sequence = seq;
    bench_stamp(seq, &e->stamp.minute, &e->stamp.second, &e->stamp.microseconds);
    e->flag = bench_flag(seq);
    e->load = bench_load(seq);
    return e;
}

static void deliver(floor_peer *p, const struct plain_event *e)
{
    for (size_t c = 0; c < p->nconsumers; c++)
        p->consumers[c].fn(&p->consumers[c], e);
}

void floor_peer_run(floor_peer *p, uint64_t *seq, size_t batch, uint64_t events)
{
    g_tally = &p->tally;
    uint64_t s = *seq;
    for (uint64_t done = 0; done < events;) {
        size_t n = events - done < batch ? (size_t)(events - done) : batch;
        for (size_t i = 0; i < n; i++)
            p->batch[i] = make_event(p, s + i);
        for (size_t i = 0; i < n; i++)
            deliver(p, p->batch[i]);
        for (size_t i = 0; i < n; i++)
            free(p->batch[i]);
        s += n;
        done += n;
    }
    *seq = s;
}

const bench_tally *floor_peer_tally(const floor_peer *p)
{
    return &p->tally;
}

void floor_peer_free(floor_peer *p)
{
    if (p == NULL)
        return;
    free(p->batch);
    free(p);
}
