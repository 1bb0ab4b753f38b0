/*
 * lib/win/params.c: a provider DLL's parameters, the KEY=VALUE strings `wbemev run --param` gives a
 * plugin on Linux, read from HKEY_CLASSES_ROOT\CLSID\{clsid}\wbemev, value Parameters
 * (REG_MULTI_SZ), and handed to create_provider as wbemev_module_args in UTF-8.
 */
#include "win-int.h"

#include <stdarg.h>
#include <stdio.h>

/* Larger values are refused rather than read: parameters are a few short strings. */
#define PARAMS_MAX_BYTES (64u * 1024u)

static void say(char *why, size_t size, const char *fmt, ...)
{
    if (why == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
}

/* At most `max` bytes of UTF-8 text, cut on a character boundary, "..." when cut. */
static void excerpt(const char *text, char *out, size_t max)
{
    size_t n = strlen(text);
    if (n < max) {
        memcpy(out, text, n + 1);
        return;
    }
    n = max - 4;
    while (n > 0 && ((unsigned char)text[n] & 0xC0u) == 0x80u)
        n--;
    memcpy(out, text, n);
    memcpy(out + n, "...", 4);
}

/* The parameter keys a plugin documents: the text before '=' on each line of params_help, after
 * leading spaces (as `wbemev run` reads them). */
static bool help_knows(const char *help, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = help; *line != '\0';) {
        while (*line == ' ')
            line++;
        if (strncmp(line, key, klen) == 0 && line[klen] == '=')
            return true;
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return false;
}

void wbemev__win_params_free(struct wbemev__win_params *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->args.count; i++)
        wbemev__win_free(p->entries[i]);
    wbemev__win_free(p->entries);
    wbemev__win_free((void *)p->args.keys);
    wbemev__win_free((void *)p->args.values);
    memset(p, 0, sizeof *p);
}

/* Appends one entry (UTF-16, terminated) as entry number `number` (from 1). */
static HRESULT add_entry(struct wbemev__win_params *p, const WCHAR *entry, size_t number,
                         const char *help, char *why, size_t why_size)
{
    char *text = NULL, shown[80];
    HRESULT hr = wbemev_win_utf16_to_utf8(entry, &text);
    if (hr == E_OUTOFMEMORY)
        return hr;
    if (FAILED(hr)) {
        say(why, why_size, "entry %zu is not valid UTF-16 (a lone surrogate)", number);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    char *eq = strchr(text, '=');
    if (eq == NULL || eq == text) {
        excerpt(text, shown, sizeof shown);
        say(why, why_size, "entry %zu, \"%s\", is not KEY=VALUE", number, shown);
        wbemev__win_free(text);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    *eq = '\0';
    if (help != NULL && !help_knows(help, text)) {
        excerpt(text, shown, sizeof shown);
        say(why, why_size, "entry %zu: the provider takes no parameter \"%s\"", number, shown);
        wbemev__win_free(text);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    size_t n = p->args.count;
    char **entries = wbemev__win_alloc((n + 1) * sizeof *entries);
    const char **keys = wbemev__win_alloc((n + 1) * sizeof *keys);
    const char **values = wbemev__win_alloc((n + 1) * sizeof *values);
    if (entries == NULL || keys == NULL || values == NULL) {
        wbemev__win_free(entries);
        wbemev__win_free(keys);
        wbemev__win_free(values);
        wbemev__win_free(text);
        return E_OUTOFMEMORY;
    }
    if (n > 0) {
        memcpy(entries, p->entries, n * sizeof *entries);
        memcpy(keys, p->args.keys, n * sizeof *keys);
        memcpy(values, p->args.values, n * sizeof *values);
    }
    entries[n] = text;
    keys[n] = text;
    values[n] = eq + 1;
    wbemev__win_free(p->entries);
    wbemev__win_free((void *)p->args.keys);
    wbemev__win_free((void *)p->args.values);
    p->entries = entries;
    p->args.keys = keys;
    p->args.values = values;
    p->args.count = n + 1;
    return S_OK;
}

HRESULT wbemev__win_params_parse(DWORD type, const void *data, size_t bytes, const char *help,
                                 struct wbemev__win_params *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    if (type != REG_MULTI_SZ) {
        say(why, why_size, "Parameters is not REG_MULTI_SZ (registry type %lu)", (unsigned long)type);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    if (bytes % sizeof(WCHAR) != 0) {
        say(why, why_size, "Parameters is %zu bytes long, not whole UTF-16 characters", bytes);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    if (bytes > PARAMS_MAX_BYTES) {
        say(why, why_size, "Parameters is %zu bytes long, more than %u", bytes, PARAMS_MAX_BYTES);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    /* A copy with two terminators: the data need not end with them. */
    size_t n = bytes / sizeof(WCHAR);
    WCHAR *text = wbemev__win_alloc((n + 2) * sizeof(WCHAR));
    if (text == NULL)
        return E_OUTOFMEMORY;
    if (bytes > 0)
        memcpy(text, data, bytes);

    HRESULT hr = S_OK;
    size_t number = 0;
    for (size_t i = 0; i < n && SUCCEEDED(hr);) {
        size_t len = wcslen(text + i);
        if (len == 0) { /* the list ends; only terminators may follow */
            for (size_t j = i; j < n; j++) {
                if (text[j] != 0) {
                    say(why, why_size, "entry %zu is empty (an empty string before the last entry)",
                        number + 1);
                    hr = (HRESULT)WBEM_E_INVALID_PARAMETER;
                    break;
                }
            }
            break;
        }
        hr = add_entry(out, text + i, ++number, help, why, why_size);
        i += len + 1;
    }
    wbemev__win_free(text);
    if (FAILED(hr))
        wbemev__win_params_free(out);
    return hr;
}

HRESULT wbemev__win_params_read(const char *clsid, const char *help, struct wbemev__win_params *out,
                                char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    WCHAR path[64];
    int written = swprintf(path, sizeof path / sizeof path[0], L"CLSID\\%hs\\%ls", clsid,
                           WBEMEV_WIN_PARAMETERS_KEY);
    if (written < 0)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;

    HKEY key = NULL;
    LSTATUS rc = RegOpenKeyExW(HKEY_CLASSES_ROOT, path, 0, KEY_QUERY_VALUE, &key);
    if (rc == ERROR_FILE_NOT_FOUND)
        return S_OK; /* no key: no parameters */
    if (rc != ERROR_SUCCESS) {
        say(why, why_size, "cannot open the key (Windows error %lu)", (unsigned long)rc);
        return HRESULT_FROM_WIN32(rc);
    }
    DWORD type = 0, bytes = 0;
    BYTE *data = NULL;
    bool have = false;
    rc = RegQueryValueExW(key, WBEMEV_WIN_PARAMETERS_VALUE, NULL, &type, NULL, &bytes);
    /* The value may change between the calls: ask again while it grows. */
    for (int tries = 0; rc == ERROR_SUCCESS && bytes <= PARAMS_MAX_BYTES && tries < 4; tries++) {
        wbemev__win_free(data);
        data = wbemev__win_alloc(bytes);
        if (data == NULL) {
            RegCloseKey(key);
            return E_OUTOFMEMORY;
        }
        DWORD got = bytes;
        rc = RegQueryValueExW(key, WBEMEV_WIN_PARAMETERS_VALUE, NULL, &type, data, &got);
        if (rc == ERROR_SUCCESS) {
            bytes = got;
            have = true;
            break;
        }
        if (rc == ERROR_MORE_DATA) {
            bytes = got;
            rc = ERROR_SUCCESS;
        }
    }
    RegCloseKey(key);
    HRESULT hr;
    if (rc == ERROR_FILE_NOT_FOUND) {
        hr = S_OK; /* no value: no parameters */
    } else if (rc != ERROR_SUCCESS) {
        say(why, why_size, "cannot read Parameters (Windows error %lu)", (unsigned long)rc);
        hr = HRESULT_FROM_WIN32(rc);
    } else if (bytes > PARAMS_MAX_BYTES) {
        say(why, why_size, "Parameters is %lu bytes long, more than %u", (unsigned long)bytes,
            PARAMS_MAX_BYTES);
        hr = (HRESULT)WBEM_E_INVALID_PARAMETER;
    } else if (!have) {
        say(why, why_size, "Parameters kept changing while it was read");
        hr = HRESULT_FROM_WIN32(ERROR_MORE_DATA);
    } else {
        hr = wbemev__win_params_parse(type, data, bytes, help, out, why, why_size);
    }
    wbemev__win_free(data);
    return hr;
}
