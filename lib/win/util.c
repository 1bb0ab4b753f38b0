/*
 * lib/win/util.c: memory, UTF-8/UTF-16 conversions and small helpers of the COM shim.
 */
#include "win-int.h"

void *wbemev__win_alloc(size_t size)
{
    return HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, size != 0 ? size : 1);
}

void wbemev__win_free(void *p)
{
    if (p != NULL)
        HeapFree(GetProcessHeap(), 0, p);
}

void wbemev_win_free(void *p)
{
    wbemev__win_free(p);
}

/* Number of UTF-16 units for utf8 (terminator included), 0 when it is not valid UTF-8. */
static int utf16_length(const char *utf8)
{
    return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
}

WCHAR *wbemev__win_utf16(const char *utf8)
{
    int n = utf16_length(utf8);
    if (n <= 0)
        return NULL;
    WCHAR *w = wbemev__win_alloc((size_t)n * sizeof(WCHAR));
    if (w == NULL)
        return NULL;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w, n) != n) {
        wbemev__win_free(w);
        return NULL;
    }
    return w;
}

HRESULT wbemev_win_utf8_to_bstr(const char *utf8, BSTR *out)
{
    if (out == NULL)
        return E_POINTER;
    if (utf8 == NULL) {
        *out = NULL;
        return S_OK;
    }
    int n = utf16_length(utf8);
    if (n <= 0)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    BSTR b = SysAllocStringLen(NULL, (UINT)(n - 1)); /* n - 1 characters plus a terminator */
    if (b == NULL)
        return E_OUTOFMEMORY;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, b, n) != n) {
        SysFreeString(b);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    *out = b;
    return S_OK;
}

HRESULT wbemev_win_utf16_to_utf8(const WCHAR *utf16, char **out)
{
    if (out == NULL)
        return E_POINTER;
    if (utf16 == NULL) {
        *out = NULL;
        return S_OK;
    }
    /* WC_ERR_INVALID_CHARS: a lone surrogate fails instead of becoming U+FFFD. */
    int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, utf16, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    char *s = wbemev__win_alloc((size_t)n);
    if (s == NULL)
        return E_OUTOFMEMORY;
    if (WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, utf16, -1, s, n, NULL, NULL) != n) {
        wbemev__win_free(s);
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    }
    *out = s;
    return S_OK;
}

bool wbemev__win_name_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        char ca = *a, cb = *b;
        if (ca >= 'A' && ca <= 'Z')
            ca = (char)(ca - 'A' + 'a');
        if (cb >= 'A' && cb <= 'Z')
            cb = (char)(cb - 'A' + 'a');
        if (ca != cb)
            return false;
        if (ca == 0)
            return true;
    }
}

static BSTR bstr_decimal(uint64_t magnitude, bool negative)
{
    WCHAR buf[24];
    size_t i = sizeof buf / sizeof buf[0];
    buf[--i] = 0;
    do {
        buf[--i] = (WCHAR)(L'0' + magnitude % 10u);
        magnitude /= 10u;
    } while (magnitude != 0);
    if (negative)
        buf[--i] = L'-';
    return SysAllocString(buf + i);
}

BSTR wbemev__win_bstr_i64(int64_t v)
{
    return v < 0 ? bstr_decimal((uint64_t)0 - (uint64_t)v, true) : bstr_decimal((uint64_t)v, false);
}

BSTR wbemev__win_bstr_u64(uint64_t v)
{
    return bstr_decimal(v, false);
}

HRESULT wbemev_win_registration_clsid(const wbemev_registration *reg, CLSID *out)
{
    if (reg == NULL || out == NULL || WBEMEV_FAILED(wbemev_registration_validate(reg)))
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    WCHAR text[40];
    if (MultiByteToWideChar(CP_UTF8, 0, reg->clsid, -1, text, 40) <= 0)
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    CLSID clsid;
    if (FAILED(CLSIDFromString(text, &clsid)))
        return (HRESULT)WBEM_E_INVALID_PARAMETER;
    *out = clsid;
    return S_OK;
}
