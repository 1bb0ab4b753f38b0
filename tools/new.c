/*
 * tools/new.c: `wbemev new NAME`: writes a new provider project (provider, plugin, test, Windows
 * DLL, MOF writer, CMakeLists.txt, README) from the embedded templates (tools/templates).
 */
#define _POSIX_C_SOURCE 200809L

#include "templates.h"
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char new_usage[] =
    "usage: wbemev new NAME [-C DIR] [--clsid GUID] [--quiet]\n"
    "\n"
    "Writes a complete WMI event provider project for NAME into a new directory DIR/name (NAME in\n"
    "lower case), out of the wbemev tree. It never overwrites: an existing directory is an error.\n"
    "NAME is a C identifier: ASCII letters, digits and single underscores, starting with a letter\n"
    "and not ending with an underscore. For Acme_Disk the project has:\n"
    "\n"
    "  acme_disk.mof             the class and the registration: the build generates the C for\n"
    "                            them (acme_disk_mof.h, wbemev_generate), mofcomp loads it\n"
    "  acme_disk_provider.c, .h  provider Acme_DiskProvider, class Acme_Disk_Event: a worker thread\n"
    "                            that fires while a consumer listens (NewQuery/CancelQuery), backs\n"
    "                            off on WBEMEV_E_SERVER_TOO_BUSY, stops on WBEMEV_E_CALL_CANCELLED\n"
    "  acme_disk_thread.h        threads on POSIX or Win32\n"
    "  acme_disk_plugin.c        the plugin descriptor: wbemev run ./build/libacme_disk.so\n"
    "  test_acme_disk.c          CMocka tests with the wbemev test kit, contract checker on strict\n"
    "  acme_disk_dll.c           the Windows provider DLL (COM shim wbemev::win)\n"
    "  acme_disk_mof.c           writes the registration MOF for mofcomp\n"
    "  CMakeLists.txt            find_package(wbemev); README.md; .gitignore\n"
    "\n"
    "Options:\n"
    "  -C, --directory DIR  create the project under DIR (default: the current directory)\n"
    "      --clsid GUID     the provider's COM CLSID (default: a new random one)\n"
    "  -q, --quiet          print nothing on success (by default: the files and the next steps)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Example:\n"
    "  wbemev new Acme_Disk && cd acme_disk\n"
    "  cmake -S . -B build -DCMAKE_PREFIX_PATH=<wbemev prefix> && cmake --build build\n"
    "  ctest --test-dir build && wbemev run ./build/libacme_disk.so\n";

/* What the templates become, in order. "@LOWER@" in a path is the lower-case name. */
static const struct {
    const char *template_name;
    const char *path;
} project_files[] = {
    {"CMakeLists.txt.in", "CMakeLists.txt"},
    {"README.md.in", "README.md"},
    {"gitignore.in", ".gitignore"},
    {"provider.h.in", "@LOWER@_provider.h"},
    {"provider.c.in", "@LOWER@_provider.c"},
    {"thread.h.in", "@LOWER@_thread.h"},
    {"plugin.c.in", "@LOWER@_plugin.c"},
    {"test.c.in", "test_@LOWER@.c"},
    {"dll.c.in", "@LOWER@_dll.c"},
    {"mof.c.in", "@LOWER@_mof.c"},
    {"mof.in", "@LOWER@.mof"},
};
#define PROJECT_FILES (sizeof project_files / sizeof project_files[0])

#define NAME_MAX_LENGTH 64

/* ---- the name ---- */

bool tool_check_project_name(const char *name, char *why, size_t size)
{
    /* Names CMake gives targets of its own (the plugin target is the lower-case name), and file
     * names Windows reserves (the project directory is too). */
    static const char *const reserved[] = {
        "all", "clean", "help", "install", "package", "package_source", "test", "edit_cache",
        "rebuild_cache", "list_install_components", "depend", "preinstall", "con", "prn", "aux", "nul",
    };
    size_t len = strlen(name);
    if (len == 0) {
        snprintf(why, size, "the name is empty");
        return false;
    }
    if (len > NAME_MAX_LENGTH) {
        snprintf(why, size, "'%s' is longer than %d characters", name, NAME_MAX_LENGTH);
        return false;
    }
    if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))) {
        snprintf(why, size, "'%s' must start with a letter (A-Z, a-z)", name);
        return false;
    }
    char lower[NAME_MAX_LENGTH + 1];
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            if (c >= 0x20 && c < 0x7F)
                snprintf(why, size, "'%s' is not a C identifier: '%c' at position %zu", name, (char)c, i + 1);
            else
                snprintf(why, size, "'%s' is not a C identifier: byte 0x%02X at position %zu (ASCII only)", name,
                         c, i + 1);
            return false;
        }
        if (c == '_' && name[i + 1] == '_') {
            snprintf(why, size, "'%s' has two underscores in a row (reserved in C, and for WMI's system classes)",
                     name);
            return false;
        }
        lower[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    lower[len] = '\0';
    if (name[len - 1] == '_') {
        snprintf(why, size, "'%s' ends with an underscore", name);
        return false;
    }
    if (strncmp(lower, "wbemev", 6) == 0) {
        snprintf(why, size, "'%s' starts with 'wbemev': the library's own prefix", name);
        return false;
    }
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        if (strcmp(lower, reserved[i]) == 0) {
            snprintf(why, size, "'%s' is a name CMake or Windows reserves ('%s')", name, lower);
            return false;
        }
    }
    if ((strncmp(lower, "com", 3) == 0 || strncmp(lower, "lpt", 3) == 0) && len == 4 && lower[3] >= '0' &&
        lower[3] <= '9') {
        snprintf(why, size, "'%s' is a file name Windows reserves", name);
        return false;
    }
    return true;
}

/* ---- the substitutions ---- */

struct subst {
    const char *key; /* between '@', e.g. "LOWER" */
    const char *value;
};

/* Appends text[0..len) to out with every @KEY@ of `keys` replaced; other '@' are kept. */
static wbemev_status expand(const char *text, size_t len, const struct subst *keys, size_t nkeys, tool_text *out)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '@')
            continue;
        for (size_t k = 0; k < nkeys; k++) {
            size_t klen = strlen(keys[k].key);
            if (i + klen + 1 < len && text[i + 1 + klen] == '@' && memcmp(text + i + 1, keys[k].key, klen) == 0) {
                wbemev_status st = tool_text_write(out, text + start, i - start);
                if (WBEMEV_SUCCEEDED(st))
                    st = tool_text_write(out, keys[k].value, strlen(keys[k].value));
                if (WBEMEV_FAILED(st))
                    return st;
                i += klen + 1;
                start = i + 1;
                break;
            }
        }
    }
    return tool_text_write(out, text + start, len - start);
}

static const tool_template *find_template(const char *name)
{
    for (size_t i = 0; i < tool_template_count; i++)
        if (strcmp(tool_templates[i].name, name) == 0)
            return &tool_templates[i];
    return NULL;
}

/* ---- the CLSID ---- */

/* A random (version 4) GUID, braced, upper case. */
static void new_clsid(char out[39])
{
    unsigned char b[16];
    bool got = false;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        got = read(fd, b, sizeof b) == (ssize_t)sizeof b;
        close(fd);
    }
    if (!got) {
        /* No /dev/urandom: the clock and the process id, mixed (splitmix64). */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ((uint64_t)getpid() << 40);
        for (size_t i = 0; i < sizeof b; i++) {
            x += 0x9E3779B97F4A7C15ull;
            uint64_t z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            b[i] = (unsigned char)(z ^ (z >> 31));
        }
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4: random */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    snprintf(out, 39, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* ---- where the tool is installed ---- */

/* The prefix the running tool was installed into, when its CMake package is there (bin/wbemev next
 * to lib/.../cmake/wbemev/wbemev-config.cmake). */
static bool installed_prefix(char *out, size_t size)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return false;
    *slash = '\0'; /* .../bin */
    slash = strrchr(exe, '/');
    if (slash == NULL || strcmp(slash, "/bin") != 0)
        return false;
    *slash = '\0'; /* the prefix */
    const char *prefix = exe[0] != '\0' ? exe : "/";
    char path[4096 + 512];
    struct stat sb;
    static const char *const libdirs[] = {"lib", "lib64"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s/cmake/wbemev/wbemev-config.cmake", exe, libdirs[i]);
        if (stat(path, &sb) == 0) {
            snprintf(out, size, "%s", prefix);
            return true;
        }
    }
    /* Debian's multiarch libdir: lib/<triplet>/cmake/wbemev */
    snprintf(path, sizeof path, "%s/lib", exe);
    DIR *dir = opendir(path);
    bool found = false;
    if (dir != NULL) {
        struct dirent *e;
        while (!found && (e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/lib/%s/cmake/wbemev/wbemev-config.cmake", exe, e->d_name);
            found = stat(path, &sb) == 0;
        }
        closedir(dir);
    }
    if (found)
        snprintf(out, size, "%s", prefix);
    return found;
}

/* ---- writing ---- */

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, a);
    size_t at = a;
    if (a > 0 && dir[a - 1] != '/')
        p[at++] = '/';
    memcpy(p + at, name, b + 1);
    return p;
}

static bool write_file(const char *path, const tool_text *t)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < t->length) {
        ssize_t n = write(fd, t->data + done, t->length - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int saved = errno;
            close(fd);
            errno = saved != 0 ? saved : EIO;
            return false;
        }
        done += (size_t)n;
    }
    return close(fd) == 0;
}

int tool_cmd_new(int argc, char **argv)
{
    enum { OPT_HELP = 1, OPT_DIR, OPT_CLSID, OPT_QUIET };
    static const tool_option opts[] = {
        {"help", 'h', TOOL_NO_VALUE, OPT_HELP},
        {"directory", 'C', TOOL_VALUE, OPT_DIR},
        {"clsid", 0, TOOL_VALUE, OPT_CLSID},
        {"quiet", 'q', TOOL_NO_VALUE, OPT_QUIET},
        {NULL, 0, TOOL_NO_VALUE, 0},
    };
    tool_args a = {argc, argv, 1, "new", false};
    const char *name = NULL, *dir = ".", *clsid_arg = NULL, *v;
    bool quiet = false;
    int id;
    while ((id = tool_next(&a, opts, &v)) != -1) {
        switch (id) {
        case -2: return EXIT_USAGE;
        case OPT_HELP: fputs(new_usage, stdout); return EXIT_OK;
        case OPT_DIR: dir = v; break;
        case OPT_CLSID: clsid_arg = v; break;
        case OPT_QUIET: quiet = true; break;
        default:
            if (name != NULL)
                return tool_usage_error("new", "one name only ('%s' and '%s')", name, v);
            name = v;
            break;
        }
    }
    if (name == NULL)
        return tool_usage_error("new", "missing the provider's name (wbemev new Acme_Disk)");
    char why[256];
    if (!tool_check_project_name(name, why, sizeof why))
        return tool_usage_error("new", "%s", why);
    char clsid[39];
    if (clsid_arg != NULL) {
        if (!tool_normalize_clsid(clsid_arg, clsid))
            return tool_usage_error("new", "'%s' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", clsid_arg);
    } else {
        new_clsid(clsid);
    }

    size_t len = strlen(name);
    char lower[NAME_MAX_LENGTH + 1], upper[NAME_MAX_LENGTH + 1];
    for (size_t i = 0; i <= len; i++) {
        char c = name[i];
        lower[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        upper[i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    char provider[NAME_MAX_LENGTH + 16], cls[NAME_MAX_LENGTH + 16], version[16];
    snprintf(provider, sizeof provider, "%sProvider", name);
    snprintf(cls, sizeof cls, "%s_Event", name);
    snprintf(version, sizeof version, "%d.%d", WBEMEV_VERSION_MAJOR, WBEMEV_VERSION_MINOR);
    /* The class's C name in the code `wbemev gen` writes from the project's MOF. */
    char cls_c[2 * sizeof cls], cls_c_upper[2 * sizeof cls];
    tool_c_name(cls, cls_c, sizeof cls_c);
    for (size_t i = 0; i < sizeof cls_c; i++)
        cls_c_upper[i] = (char)(cls_c[i] >= 'a' && cls_c[i] <= 'z' ? cls_c[i] - 'a' + 'A' : cls_c[i]);
    const struct subst keys[] = {
        {"NAME", name}, {"LOWER", lower},    {"UPPER", upper},          {"PROVIDER", provider},
        {"CLASS", cls}, {"CLSID", clsid},    {"WBEMEV_VERSION", version}, {"CLASS_C", cls_c},
        {"UPPER_CLASS_C", cls_c_upper},
    };
    const size_t nkeys = sizeof keys / sizeof keys[0];

    /* Everything is produced in memory first: a missing template never leaves half a project. */
    tool_text texts[PROJECT_FILES];
    char *paths[PROJECT_FILES];
    memset(texts, 0, sizeof texts);
    memset(paths, 0, sizeof paths);
    int rc = EXIT_FAIL;
    size_t written = 0;
    bool made_dir = false;
    char *project = strcmp(dir, ".") == 0 ? join_path("", lower) : join_path(dir, lower);
    if (project == NULL)
        goto oom;
    for (size_t i = 0; i < PROJECT_FILES; i++) {
        const tool_template *t = find_template(project_files[i].template_name);
        if (t == NULL) {
            tool_error("new", "internal error: no template %s in this build", project_files[i].template_name);
            goto done;
        }
        tool_text file_name = {NULL, 0, 0};
        const char *p = project_files[i].path;
        if (WBEMEV_FAILED(expand((const char *)t->text, t->length, keys, nkeys, &texts[i])) ||
            WBEMEV_FAILED(expand(p, strlen(p), keys, nkeys, &file_name)) ||
            WBEMEV_FAILED(tool_text_write(&file_name, "", 1))) {
            tool_text_free(&file_name);
            goto oom;
        }
        paths[i] = join_path(project, file_name.data);
        tool_text_free(&file_name);
        if (paths[i] == NULL)
            goto oom;
    }

    if (mkdir(project, 0777) != 0) {
        if (errno == EEXIST)
            tool_error("new", "'%s' already exists: not overwriting it (choose another name or -C DIR)", project);
        else
            tool_error("new", "cannot create '%s': %s", project, strerror(errno));
        goto done;
    }
    made_dir = true;
    for (; written < PROJECT_FILES; written++) {
        if (!write_file(paths[written], &texts[written])) {
            tool_error("new", "cannot write '%s': %s", paths[written], strerror(errno));
            goto done;
        }
    }
    rc = EXIT_OK;
    made_dir = false; /* done: kept whatever happens next */
    if (quiet)
        goto done;

    printf("Created %s: provider %s, class %s, CLSID %s\n", project, provider, cls, clsid);
    for (size_t i = 0; i < PROJECT_FILES; i++)
        printf("  %s\n", paths[i]);
    char prefix[4096];
    bool have_prefix = installed_prefix(prefix, sizeof prefix);
    printf("\nNext:\n  cd %s\n  cmake -S . -B build -DCMAKE_PREFIX_PATH=%s\n", project,
           have_prefix ? prefix : "<the wbemev install prefix>");
    printf("  cmake --build build && ctest --test-dir build --output-on-failure\n");
    printf("  wbemev run ./build/lib%s.so --trace\n", lower);
    if (fflush(stdout) != 0)
        rc = EXIT_FAIL;
    goto done;

oom:
    tool_error("new", "out of memory");
done:
    if (rc != EXIT_OK && made_dir) {
        /* Leave nothing behind: the files written so far (the one that failed too), then the
         * directory. */
        for (size_t i = 0; i <= written && i < PROJECT_FILES; i++)
            unlink(paths[i]);
        rmdir(project);
    }
    for (size_t i = 0; i < PROJECT_FILES; i++) {
        tool_text_free(&texts[i]);
        free(paths[i]);
    }
    free(project);
    return rc;
}
