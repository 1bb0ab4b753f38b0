/*
 * examples/filechange_provider.c: see filechange_provider.h. Linux only (inotify).
 *
 * One reader thread waits with poll() on the inotify descriptor and on a pipe the final release
 * writes to, so stopping never waits for a file to change. Each read() of the inotify descriptor
 * becomes one Indicate carrying one new object per change (cloned from a template per class).
 */
#define _GNU_SOURCE /* pipe2, O_CLOEXEC, fstatat */

#include "filechange_provider.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static const wbemev_property_def change_properties[] = {
    {"Directory", WBEMEV_CIM_STRING, NULL}, {"FileName", WBEMEV_CIM_STRING, NULL},
    {"Path", WBEMEV_CIM_STRING, NULL},      {"Action", WBEMEV_CIM_STRING, NULL},
    {"IsDirectory", WBEMEV_CIM_BOOLEAN, NULL}, {"Size", WBEMEV_CIM_UINT64, NULL},
};
static const wbemev_class_def filechange_classes[] = {
    {FILECHANGE_EVENT_CLASS, "__ExtrinsicEvent", change_properties,
     sizeof change_properties / sizeof change_properties[0]},
    {FILECREATED_EVENT_CLASS, FILECHANGE_EVENT_CLASS, NULL, 0},
    {FILEMODIFIED_EVENT_CLASS, FILECHANGE_EVENT_CLASS, NULL, 0},
    {FILEDELETED_EVENT_CLASS, FILECHANGE_EVENT_CLASS, NULL, 0},
};
/* The parent class covers its three subclasses. */
static const char *const filechange_queries[] = {"SELECT * FROM " FILECHANGE_EVENT_CLASS};

const wbemev_registration filechange_registration = {
    "root\\cimv2",
    "FileChangeProvider",
    "{33BA6B15-22CC-4529-91C9-512E69A08F48}",
    NULL,
    filechange_classes,
    sizeof filechange_classes / sizeof filechange_classes[0],
    filechange_queries,
    sizeof filechange_queries / sizeof filechange_queries[0],
};

enum action { ACTION_CREATED, ACTION_MODIFIED, ACTION_DELETED, ACTION_COUNT };
static const char *const action_names[ACTION_COUNT] = {"created", "modified", "deleted"};
static const char *const action_classes[ACTION_COUNT] = {FILECREATED_EVENT_CLASS, FILEMODIFIED_EVENT_CLASS,
                                                         FILEDELETED_EVENT_CLASS};

/* A file written since it was last closed (IN_MODIFY seen, IN_CLOSE_WRITE not yet). */
struct dirty {
    struct dirty *next;
    char name[];
};

struct filechange {
    wbemev_provider_t base;
    atomic_int refs;
    char *directory;
    int dirfd;     /* the watched directory, for fstatat */
    int inotify;   /* inotify descriptor, one watch */
    int stop_pipe[2];
    wbemev_object_t *templates[ACTION_COUNT]; /* one per class, made in initialize */
    wbemev_sink_t *sink;                      /* kept from provide_events */
    pthread_t reader;
    bool running;
    struct dirty *dirty; /* reader thread only */
    atomic_ullong lost;
};

static struct filechange *fc_from(wbemev_provider_t *p)
{
    return WBEMEV_CONTAINER_OF(p, struct filechange, base);
}

static void fc_add_ref(wbemev_provider_t *p)
{
    atomic_fetch_add(&fc_from(p)->refs, 1);
}

static void fc_free(struct filechange *fc)
{
    for (int i = 0; i < ACTION_COUNT; i++) {
        if (fc->templates[i] != NULL)
            wbemev_object_release(fc->templates[i]);
    }
    while (fc->dirty != NULL) {
        struct dirty *d = fc->dirty;
        fc->dirty = d->next;
        free(d);
    }
    if (fc->inotify >= 0)
        close(fc->inotify);
    if (fc->dirfd >= 0)
        close(fc->dirfd);
    if (fc->stop_pipe[0] >= 0)
        close(fc->stop_pipe[0]);
    if (fc->stop_pipe[1] >= 0)
        close(fc->stop_pipe[1]);
    free(fc->directory);
    free(fc);
}

static void fc_release(wbemev_provider_t *p)
{
    struct filechange *fc = fc_from(p);
    if (atomic_fetch_sub(&fc->refs, 1) != 1)
        return;
    /* The final release stops the provider: wake the reader, join it, then let go of the sink. */
    if (fc->running) {
        ssize_t n;
        do
            n = write(fc->stop_pipe[1], "x", 1);
        while (n < 0 && errno == EINTR);
        pthread_join(fc->reader, NULL);
    }
    if (fc->sink != NULL)
        wbemev_sink_release(fc->sink);
    fc_free(fc);
}

static wbemev_status fc_initialize(wbemev_provider_t *p, const wbemev_provider_init *init,
                                   wbemev_sink_t *init_sink)
{
    struct filechange *fc = fc_from(p);
    wbemev_status st = WBEMEV_S_NO_ERROR;
    /* Fetch each class once and spawn its template; events are clones of these. */
    for (int i = 0; i < ACTION_COUNT && WBEMEV_SUCCEEDED(st); i++) {
        wbemev_class_t *cls;
        st = wbemev_namespace_get_class(init->ns, action_classes[i], &cls);
        if (WBEMEV_SUCCEEDED(st)) {
            st = wbemev_class_spawn_instance(cls, &fc->templates[i]);
            wbemev_class_release(cls);
        }
        if (WBEMEV_SUCCEEDED(st)) {
            wbemev_object_put_string(fc->templates[i], "Directory", fc->directory);
            wbemev_object_put_string(fc->templates[i], "Action", action_names[i]);
        }
    }
    wbemev_sink_set_status(init_sink, WBEMEV_STATUS_COMPLETE,
                           WBEMEV_SUCCEEDED(st) ? WBEMEV_S_INITIALIZED : WBEMEV_E_FAILED, NULL, NULL);
    return WBEMEV_S_NO_ERROR;
}

/* ---- the dirty set (reader thread only) ---- */

static bool dirty_take(struct filechange *fc, const char *name)
{
    for (struct dirty **d = &fc->dirty; *d != NULL; d = &(*d)->next) {
        if (strcmp((*d)->name, name) == 0) {
            struct dirty *gone = *d;
            *d = gone->next;
            free(gone);
            return true;
        }
    }
    return false;
}

static void dirty_mark(struct filechange *fc, const char *name)
{
    for (struct dirty *d = fc->dirty; d != NULL; d = d->next) {
        if (strcmp(d->name, name) == 0)
            return;
    }
    size_t len = strlen(name);
    struct dirty *d = malloc(sizeof *d + len + 1);
    if (d == NULL)
        return; /* the modification will go unreported: better than failing the watch */
    memcpy(d->name, name, len + 1);
    d->next = fc->dirty;
    fc->dirty = d;
}

/* ---- the reader ---- */

/* One new event object for a change, or NULL when the action is not reported. */
static wbemev_object_t *make_event(struct filechange *fc, enum action action, const char *name, bool is_dir)
{
    wbemev_object_t *ev;
    if (WBEMEV_FAILED(wbemev_object_clone(fc->templates[action], &ev)))
        return NULL;
    size_t dlen = strlen(fc->directory), nlen = strlen(name);
    char *path = malloc(dlen + 1 + nlen + 1);
    if (path != NULL) {
        memcpy(path, fc->directory, dlen);
        size_t at = dlen;
        if (at == 0 || path[at - 1] != '/')
            path[at++] = '/';
        memcpy(path + at, name, nlen + 1);
    }
    /* File names are bytes on Linux; a name that is not UTF-8 cannot be a CIM string: leave it NULL. */
    wbemev_object_put_string(ev, "FileName", name);
    if (path != NULL)
        wbemev_object_put_string(ev, "Path", path);
    free(path);
    wbemev_object_put_boolean(ev, "IsDirectory", is_dir);
    struct stat sb;
    if (action != ACTION_DELETED && fstatat(fc->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        wbemev_object_put_uint64(ev, "Size", (uint64_t)sb.st_size);
    return ev;
}

/* Turns one inotify record into an action; false when it is not reported. */
static bool classify(struct filechange *fc, const struct inotify_event *ie, enum action *out)
{
    if (ie->len == 0)
        return false; /* about the directory itself */
    if (ie->mask & (IN_CREATE | IN_MOVED_TO)) {
        *out = ACTION_CREATED;
        return true;
    }
    if (ie->mask & (IN_DELETE | IN_MOVED_FROM)) {
        dirty_take(fc, ie->name);
        *out = ACTION_DELETED;
        return true;
    }
    if (ie->mask & IN_MODIFY) {
        dirty_mark(fc, ie->name);
        return false;
    }
    if (ie->mask & IN_CLOSE_WRITE) {
        if (!dirty_take(fc, ie->name))
            return false; /* opened for writing, closed unchanged (touch, an empty create) */
        *out = ACTION_MODIFIED;
        return true;
    }
    return false;
}

/* Indicates a batch; false when the host told us to stop. */
static bool deliver(struct filechange *fc, wbemev_object_t **batch, size_t n)
{
    wbemev_status st = n > 0 ? wbemev_sink_indicate(fc->sink, (int32_t)n, batch) : WBEMEV_S_NO_ERROR;
    for (size_t i = 0; i < n; i++)
        wbemev_object_release(batch[i]);
    /* WBEMEV_E_SERVER_TOO_BUSY: the changes are gone by now; a watcher does not refire stale news. */
    return st != WBEMEV_E_CALL_CANCELLED;
}

static void *fc_reader(void *arg)
{
    struct filechange *fc = arg;
    /* Big enough for many records; aligned for struct inotify_event. */
    _Alignas(struct inotify_event) char buf[64 * (sizeof(struct inotify_event) + NAME_MAX + 1)];
    wbemev_object_t *batch[256];
    for (;;) {
        struct pollfd fds[2] = {{fc->inotify, POLLIN, 0}, {fc->stop_pipe[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[1].revents != 0)
            break; /* the final release */
        ssize_t len = read(fc->inotify, buf, sizeof buf);
        if (len < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            break;
        }
        size_t n = 0;
        bool go_on = true, watch_gone = false;
        for (char *p = buf; p < buf + len && go_on;) {
            const struct inotify_event *ie = (const struct inotify_event *)(void *)p;
            p += sizeof *ie + ie->len;
            if (ie->mask & IN_Q_OVERFLOW)
                atomic_fetch_add(&fc->lost, 1);
            if (ie->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT))
                watch_gone = true; /* the directory went away: nothing more will come */
            enum action action;
            if (!classify(fc, ie, &action))
                continue;
            wbemev_object_t *ev = make_event(fc, action, ie->name, (ie->mask & IN_ISDIR) != 0);
            if (ev == NULL)
                continue;
            batch[n++] = ev;
            if (n == sizeof batch / sizeof batch[0]) {
                go_on = deliver(fc, batch, n);
                n = 0;
            }
        }
        if (go_on)
            go_on = deliver(fc, batch, n);
        else
            deliver(fc, batch, n); /* releases what is left; the host is not listening */
        if (!go_on || watch_gone)
            break;
    }
    return NULL;
}

static wbemev_status fc_provide_events(wbemev_provider_t *p, wbemev_sink_t *sink, int32_t flags)
{
    struct filechange *fc = fc_from(p);
    (void)flags;
    if (fc->running)
        return WBEMEV_S_NO_ERROR; /* a second call keeps the running reader */
    fc->sink = wbemev_sink_add_ref(sink);
    if (pthread_create(&fc->reader, NULL, fc_reader, fc) != 0) {
        wbemev_sink_release(fc->sink);
        fc->sink = NULL;
        return WBEMEV_E_FAILED;
    }
    fc->running = true;
    return WBEMEV_S_NO_ERROR; /* at once: the reader indicates */
}

static const wbemev_provider_vtbl fc_vtbl = {
    WBEMEV_PROVIDER_VTBL_VERSION, fc_add_ref, fc_release, fc_initialize, fc_provide_events,
    NULL /* new_query: the host filters */, NULL /* cancel_query */, NULL /* access_check */,
};

static wbemev_status status_from_errno(int e)
{
    switch (e) {
    case ENOENT: return WBEMEV_E_NOT_FOUND;
    case ENOTDIR: return WBEMEV_E_INVALID_PARAMETER;
    case EACCES:
    case EPERM: return WBEMEV_E_ACCESS_DENIED;
    case ENOMEM: return WBEMEV_E_OUT_OF_MEMORY;
    default: return WBEMEV_E_FAILED;
    }
}

wbemev_status filechange_provider_new(const char *directory, wbemev_provider_t **out)
{
    if (directory == NULL || out == NULL || directory[0] == '\0')
        return WBEMEV_E_INVALID_PARAMETER;
    struct filechange *fc = calloc(1, sizeof *fc);
    if (fc == NULL)
        return WBEMEV_E_OUT_OF_MEMORY;
    fc->inotify = fc->dirfd = fc->stop_pipe[0] = fc->stop_pipe[1] = -1;
    fc->base.vtbl = &fc_vtbl;
    atomic_init(&fc->refs, 1);
    atomic_init(&fc->lost, 0);
    fc->directory = strdup(directory);
    if (fc->directory == NULL) {
        fc_free(fc);
        return WBEMEV_E_OUT_OF_MEMORY;
    }
    fc->dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fc->dirfd < 0) {
        wbemev_status st = status_from_errno(errno);
        fc_free(fc);
        return st;
    }
    fc->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fc->inotify < 0 || pipe2(fc->stop_pipe, O_CLOEXEC) != 0) {
        wbemev_status st = status_from_errno(errno);
        fc_free(fc);
        return st;
    }
    uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_MODIFY | IN_CLOSE_WRITE |
                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;
    if (inotify_add_watch(fc->inotify, directory, mask) < 0) {
        wbemev_status st = status_from_errno(errno);
        fc_free(fc);
        return st;
    }
    *out = &fc->base;
    return WBEMEV_S_NO_ERROR;
}

unsigned long long filechange_provider_lost(wbemev_provider_t *provider)
{
    return atomic_load(&fc_from(provider)->lost);
}
