/*
 * lib/model/datetime.c: the CIM datetime: DMTF text form, validation and FILETIME conversions.
 *
 * Timestamp: yyyymmddHHMMSS.mmmmmmsUUU (s is '+' or '-', UUU minutes east of UTC).
 * Interval:  ddddddddHHMMSS.mmmmmm:000
 * Calendar arithmetic is proleptic Gregorian, on day numbers relative to 1970-01-01 (the base
 * layer's civil-date functions, exact for every year this type can hold).
 */
#include "model/model.h"

#define TICKS_PER_MICROSECOND 10u
#define TICKS_PER_SECOND 10000000u
#define SECONDS_PER_DAY 86400u
#define TICKS_PER_DAY ((uint64_t)SECONDS_PER_DAY * TICKS_PER_SECOND)
/* Day numbers (days since 1970-01-01) of 1601-01-01, the FILETIME epoch, and of 10000-01-01. */
#define DAY_1601 (-134774)
#define DAY_10000 2932897

bool wbemev_datetime_equal(const wbemev_datetime *a, const wbemev_datetime *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return a->is_interval == b->is_interval && a->year == b->year && a->month == b->month && a->day == b->day &&
           a->days == b->days && a->hour == b->hour && a->minute == b->minute && a->second == b->second &&
           a->microseconds == b->microseconds && a->utc_offset == b->utc_offset;
}

wbemev_status wbemev_datetime_validate(const wbemev_datetime *dt)
{
    if (dt == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    if (dt->hour > 23 || dt->minute > 59 || dt->microseconds > 999999)
        return WBEMEV_E_INVALID_PARAMETER;
    if (dt->is_interval) {
        /* Unused fields must be 0 so that equal datetimes compare equal field by field. */
        if (dt->days > 99999999 || dt->second > 59 || dt->year != 0 || dt->month != 0 || dt->day != 0 ||
            dt->utc_offset != 0)
            return WBEMEV_E_INVALID_PARAMETER;
        return WBEMEV_S_NO_ERROR;
    }
    if (dt->days != 0 || dt->year > 9999 || dt->month < 1 || dt->month > 12 || dt->day < 1 ||
        dt->day > wbemev__days_in_month(dt->year, dt->month) || dt->second > 60 || dt->utc_offset < -999 ||
        dt->utc_offset > 999)
        return WBEMEV_E_INVALID_PARAMETER;
    return WBEMEV_S_NO_ERROR;
}

/* Reads n decimal digits at s into *out; false when one is not a digit. */
static bool read_digits(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

wbemev_status wbemev_datetime_parse(const char *text, wbemev_datetime *out)
{
    if (text == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    /* Exactly 25 characters; stop scanning at 26 so a long input is not read to its end. */
    size_t len = 0;
    while (len <= WBEMEV_DATETIME_LEN && text[len] != '\0')
        len++;
    if (len != WBEMEV_DATETIME_LEN || text[14] != '.')
        return WBEMEV_E_INVALID_PARAMETER;

    wbemev_datetime dt;
    memset(&dt, 0, sizeof dt);
    uint32_t hour, minute, second, micro, offset;
    if (!read_digits(text + 8, 2, &hour) || !read_digits(text + 10, 2, &minute) ||
        !read_digits(text + 12, 2, &second) || !read_digits(text + 15, 6, &micro) ||
        !read_digits(text + 22, 3, &offset))
        return WBEMEV_E_INVALID_PARAMETER;
    dt.hour = (uint8_t)hour; /* each fits its field; validate() checks the ranges */
    dt.minute = (uint8_t)minute;
    dt.second = (uint8_t)second;
    dt.microseconds = micro;

    char sign = text[21];
    if (sign == ':') {
        uint32_t days;
        if (!read_digits(text, 8, &days) || offset != 0)
            return WBEMEV_E_INVALID_PARAMETER;
        dt.is_interval = true;
        dt.days = days;
    } else if (sign == '+' || sign == '-') {
        uint32_t year, month, day;
        if (!read_digits(text, 4, &year) || !read_digits(text + 4, 2, &month) ||
            !read_digits(text + 6, 2, &day))
            return WBEMEV_E_INVALID_PARAMETER;
        dt.year = (uint16_t)year;
        dt.month = (uint8_t)month;
        dt.day = (uint8_t)day;
        dt.utc_offset = (int16_t)(sign == '-' ? -(int32_t)offset : (int32_t)offset);
    } else {
        return WBEMEV_E_INVALID_PARAMETER;
    }
    if (WBEMEV_FAILED(wbemev_datetime_validate(&dt)))
        return WBEMEV_E_INVALID_PARAMETER;
    *out = dt;
    return WBEMEV_S_NO_ERROR;
}

/* Writes v as exactly n decimal digits (v < 10^n) ending at p + n. */
static void write_digits(char *p, size_t n, uint32_t v)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

wbemev_status wbemev_datetime_format(const wbemev_datetime *dt, char *buf, size_t size)
{
    if (dt == NULL || buf == NULL || WBEMEV_FAILED(wbemev_datetime_validate(dt)))
        return WBEMEV_E_INVALID_PARAMETER;
    if (size < WBEMEV_DATETIME_LEN + 1)
        return WBEMEV_E_BUFFER_TOO_SMALL;
    /* Built by hand, not with snprintf: no locale, and no truncation warnings to silence. */
    if (dt->is_interval) {
        write_digits(buf, 8, dt->days);
        buf[21] = ':';
        write_digits(buf + 22, 3, 0);
    } else {
        write_digits(buf, 4, dt->year);
        write_digits(buf + 4, 2, dt->month);
        write_digits(buf + 6, 2, dt->day);
        buf[21] = dt->utc_offset < 0 ? '-' : '+';
        write_digits(buf + 22, 3, (uint32_t)(dt->utc_offset < 0 ? -dt->utc_offset : dt->utc_offset));
    }
    write_digits(buf + 8, 2, dt->hour);
    write_digits(buf + 10, 2, dt->minute);
    write_digits(buf + 12, 2, dt->second);
    buf[14] = '.';
    write_digits(buf + 15, 6, dt->microseconds);
    buf[WBEMEV_DATETIME_LEN] = '\0';
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_datetime_from_filetime(uint64_t ticks, wbemev_datetime *out)
{
    if (out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    uint64_t days = ticks / TICKS_PER_DAY;
    if (days >= (uint64_t)(DAY_10000 - DAY_1601))
        return WBEMEV_E_VALUE_OUT_OF_RANGE;
    uint64_t rem = ticks % TICKS_PER_DAY;
    uint64_t secs = rem / TICKS_PER_SECOND;

    wbemev_datetime dt;
    memset(&dt, 0, sizeof dt);
    int64_t year;
    unsigned month, day;
    wbemev__civil_from_days((int64_t)days + DAY_1601, &year, &month, &day);
    dt.year = (uint16_t)year;
    dt.month = (uint8_t)month;
    dt.day = (uint8_t)day;
    dt.hour = (uint8_t)(secs / 3600);
    dt.minute = (uint8_t)(secs / 60 % 60);
    dt.second = (uint8_t)(secs % 60);
    /* The text form holds microseconds: the last 100 ns digit is truncated. */
    dt.microseconds = (uint32_t)(rem % TICKS_PER_SECOND / TICKS_PER_MICROSECOND);
    *out = dt;
    return WBEMEV_S_NO_ERROR;
}

wbemev_status wbemev_datetime_to_filetime(const wbemev_datetime *dt, uint64_t *out)
{
    if (dt == NULL || out == NULL || WBEMEV_FAILED(wbemev_datetime_validate(dt)))
        return WBEMEV_E_INVALID_PARAMETER;
    uint64_t sub = (uint64_t)dt->microseconds * TICKS_PER_MICROSECOND;
    if (dt->is_interval) {
        uint64_t secs = (uint64_t)dt->hour * 3600u + (uint64_t)dt->minute * 60u + dt->second;
        /* 99999999 days is about 8.6e19 ticks: more than a uint64_t holds. */
        if (dt->days > (UINT64_MAX - secs * TICKS_PER_SECOND - sub) / TICKS_PER_DAY)
            return WBEMEV_E_VALUE_OUT_OF_RANGE;
        *out = dt->days * TICKS_PER_DAY + secs * TICKS_PER_SECOND + sub;
        return WBEMEV_S_NO_ERROR;
    }
    /* Local time = UTC + offset, so UTC = local - offset. A leap second (:60) counts as one more
     * second, the same instant as :00 of the next minute: FILETIME has no leap seconds. Years 0..9999
     * keep every intermediate far inside int64_t (|secs| < 2^39). */
    int64_t days = wbemev__days_from_civil(dt->year, dt->month, dt->day) - DAY_1601;
    int64_t secs = days * SECONDS_PER_DAY + (int64_t)dt->hour * 3600 + (int64_t)dt->minute * 60 +
                   dt->second - (int64_t)dt->utc_offset * 60;
    if (secs < 0)
        return WBEMEV_E_VALUE_OUT_OF_RANGE;
    *out = (uint64_t)secs * TICKS_PER_SECOND + sub;
    return WBEMEV_S_NO_ERROR;
}
