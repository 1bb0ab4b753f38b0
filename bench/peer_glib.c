/*
 * bench/peer_glib.c: the peer a Linux developer would pick instead: one GVariant dictionary (a{sv})
 * per event, emitted with g_signal_emit on a GObject to three handlers. The handlers are connected
 * with the event class as the signal detail, GLib's own way of routing by kind (the third handler
 * waits for another class and never runs), and apply the same predicates as the wbemev consumers.
 */
#include "bench.h"

#include <glib-object.h>
#include <stdlib.h>

#define BENCH_TYPE_EMITTER (bench_emitter_get_type())
G_DECLARE_FINAL_TYPE(BenchEmitter, bench_emitter, BENCH, EMITTER, GObject)

struct _BenchEmitter {
    GObject parent_instance;
};

G_DEFINE_TYPE(BenchEmitter, bench_emitter, G_TYPE_OBJECT)

static guint g_event_signal;

static void bench_emitter_class_init(BenchEmitterClass *klass)
{
    /* void handler(BenchEmitter *self, GVariant *event, gpointer user_data), detailed by class. */
    g_event_signal = g_signal_new("event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                                  0, NULL, NULL, g_cclosure_marshal_VOID__VARIANT, G_TYPE_NONE, 1,
                                  G_TYPE_VARIANT);
}

static void bench_emitter_init(BenchEmitter *self)
{
    (void)self;
}

struct glib_peer {
    BenchEmitter *emitter;
    GQuark bench_detail;
    GVariant **batch;
    bench_tally tally;
};

static void on_all(BenchEmitter *self, GVariant *event, gpointer user_data)
{
    (void)self;
    bench_tally *t = user_data;
    guint64 seq;
    if (g_variant_lookup(event, "Sequence", "t", &seq)) {
        t->all++;
        t->all_sum += seq;
    }
}

static void on_severe(BenchEmitter *self, GVariant *event, gpointer user_data)
{
    (void)self;
    bench_tally *t = user_data;
    gint32 severity;
    if (g_variant_lookup(event, "Severity", "i", &severity) && severity > BENCH_SEVERITY_LIMIT) {
        t->severe++;
        t->severe_sum += (uint64_t)severity;
    }
}

static void on_other(BenchEmitter *self, GVariant *event, gpointer user_data)
{
    (void)self, (void)event;
    bench_tally *t = user_data;
    t->other++;
}

glib_peer *glib_peer_new(size_t max_batch)
{
    glib_peer *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->batch = calloc(max_batch, sizeof *p->batch);
    if (p->batch == NULL) {
        free(p);
        return NULL;
    }
    p->emitter = g_object_new(BENCH_TYPE_EMITTER, NULL);
    p->bench_detail = g_quark_from_static_string(BENCH_CLASS);
    g_signal_connect(p->emitter, "event::" BENCH_CLASS, G_CALLBACK(on_all), &p->tally);
    g_signal_connect(p->emitter, "event::" BENCH_CLASS, G_CALLBACK(on_severe), &p->tally);
    g_signal_connect(p->emitter, "event::" BENCH_OTHER_CLASS, G_CALLBACK(on_other), &p->tally);
    return p;
}

static GVariant *make_event(uint64_t seq)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "Name", g_variant_new_string(BENCH_NAME));
    g_variant_builder_add(&b, "{sv}", "Severity", g_variant_new_int32(bench_severity(seq)));
    g_variant_builder_add(&b, "{sv}", "Sequence", g_variant_new_uint64(seq));
    g_variant_builder_add(&b, "{sv}", "Stamp", g_variant_new_int64(bench_stamp_unix_us(seq)));
    g_variant_builder_add(&b, "{sv}", "Flag", g_variant_new_boolean(bench_flag(seq)));
    g_variant_builder_add(&b, "{sv}", "Load", g_variant_new_double(bench_load(seq)));
    return g_variant_ref_sink(g_variant_builder_end(&b));
}

void glib_peer_run(glib_peer *p, uint64_t *seq, size_t batch, uint64_t events)
{
    uint64_t s = *seq;
    for (uint64_t done = 0; done < events;) {
        size_t n = events - done < batch ? (size_t)(events - done) : batch;
        for (size_t i = 0; i < n; i++)
            p->batch[i] = make_event(s + i);
        for (size_t i = 0; i < n; i++)
            g_signal_emit(p->emitter, g_event_signal, p->bench_detail, p->batch[i]);
        for (size_t i = 0; i < n; i++)
            g_variant_unref(p->batch[i]);
        s += n;
        done += n;
    }
    *seq = s;
}

const bench_tally *glib_peer_tally(const glib_peer *p)
{
    return &p->tally;
}

const char *glib_peer_version(void)
{
    static char buf[32];
    g_snprintf(buf, sizeof buf, "%u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);
    return buf;
}

void glib_peer_free(glib_peer *p)
{
    if (p == NULL)
        return;
    g_object_unref(p->emitter);
    free(p->batch);
    free(p);
}
