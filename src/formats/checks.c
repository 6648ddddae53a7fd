/* Value checks shared by the parsers: trimming, header names, UTF-8,
 * digit-only integers, SSCC-18 check digits, ISO 8601 dates and times. */
#include "format_int.h"

#include <stdio.h>
#include <string.h>


/* Lower-case ASCII; spaces, hyphens and underscores collapse into one '_'. */
void header_normalise(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	int sep = 0;
	span_trim(&s, &len);
	for (size_t i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '-' || c == '_' || c == '\t') {
			sep = 1;
			continue;
		}
		if (sep && o > 0 && o + 2 < outlen)
			out[o++] = '_';
		sep = 0;
		out[o++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	out[o] = '\0';
}

const char *value_show(const char *s, size_t len, char *out, size_t outlen)
{
	size_t max = outlen > 49 ? 48 : outlen - 1, o = 0;
	size_t n = len < max ? len : max;
	/* Do not cut a UTF-8 sequence: back up to a lead byte. */
	if (n < len)
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[o] = '\0';
	if (n < len && o + 3 < outlen)
		snprintf(out + o, outlen - o, "...");
	return out;
}

int digits_parse(const char *s, size_t len, int64_t min, int64_t *out)
{
	int64_t v = 0;
	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (INT64_MAX - 9) / 10)
			return -3;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return v < min ? -2 : 0;
}

int gs1_check_digit(const char *s, size_t n)
{
	int sum = 0;
	/* Weights 3,1,3,... from the rightmost digit leftwards. */
	for (size_t i = 0; i < n; i++) {
		int d = s[n - 1 - i] - '0';
		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (10 - sum % 10) % 10;
}

static int all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int sscc_check(const char *s, size_t len, char out[19], const char **why)
{
	span_trim(&s, &len);
	if (len >= 3 && memcmp(s, "]C1", 3) == 0) {
		s += 3;
		len -= 3;
	}
	if (len >= 4 && memcmp(s, "(00)", 4) == 0) {
		s += 4;
		len -= 4;
	} else if (len == 20 && s[0] == '0' && s[1] == '0') {
		s += 2;
		len -= 2;
	}
	/* The common case first: 18 digits (then there is no 'E' either), digits
	 * and GS1 weights (3 on even positions of the 17, from the left) in one pass. */
	unsigned sum3 = 0, sum1 = 0, bad = len != 18;
	for (size_t i = 0; i < 18 && !bad; i += 2) {
		unsigned a = (unsigned char)s[i] - '0', b = (unsigned char)s[i + 1] - '0';
		bad = a > 9 || b > 9;
		sum3 += a;
		sum1 += b;
	}
	if (!bad) {
		sum1 -= (unsigned)(s[17] - '0');   /* the check digit itself */
		if ((10 - (3 * sum3 + sum1) % 10) % 10 != (unsigned)(s[17] - '0')) {
			*why = "has a wrong GS1 check digit";
			return -1;
		}
		memcpy(out, s, 18);
		out[18] = '\0';
		return 0;
	}
	if (memchr(s, 'E', len) || memchr(s, 'e', len)) {
		*why = "looks mangled by a spreadsheet (scientific notation); export the column as text";
		return -1;
	}
	if (len != 18 || !all_digits(s, len)) {
		*why = "is not 18 digits";
		return -1;
	}
	if (gs1_check_digit(s, 17) != s[17] - '0') {
		*why = "has a wrong GS1 check digit";
		return -1;
	}
	memcpy(out, s, 18);
	out[18] = '\0';
	return 0;
}

/* N digits at S as a number, or -1. */
static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

/* A real calendar day: year 1..9999, month 1..12, day within the month. */
static int ymd_check(int y, int m, int d, const char **why)
{
	if (y < 1 || m < 1 || m > 12) {
		*why = "is not a real date (month out of range)";
		return -1;
	}
	if (d < 1 || d > days_in_month(y, m)) {
		*why = "is not a real calendar date";
		return -1;
	}
	return 0;
}

int date_check(const char *s, size_t len, const char **why)
{
	if (len != 10 || s[4] != '-' || s[7] != '-') {
		*why = "is not a date (expected YYYY-MM-DD)";
		return -1;
	}
	int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
	if (y < 0 || m < 0 || d < 0) {
		*why = "is not a date (expected YYYY-MM-DD)";
		return -1;
	}
	return ymd_check(y, m, d, why);
}

/* HH:MM[:SS[.fff]] at S; returns the bytes used, or 0. FRAC allows fractions. */
static size_t hms_scan(const char *s, size_t len, int frac, const char **why)
{
	*why = "is not a time (expected HH:MM or HH:MM:SS)";
	if (len < 5 || s[2] != ':')
		return 0;
	int h = num(s, 2), m = num(s + 3, 2), sec = 0;
	size_t used = 5;
	if (len >= 8 && s[5] == ':') {
		sec = num(s + 6, 2);
		used = 8;
		if (frac && used < len && s[used] == '.') {
			size_t k = used + 1;
			while (k < len && s[k] >= '0' && s[k] <= '9')
				k++;
			if (k == used + 1)
				return 0;
			used = k;
		}
	}
	if (h < 0 || m < 0 || sec < 0)
		return 0;
	if (h > 23 || m > 59 || sec > 60) {
		*why = "is not a valid time of day";
		return 0;
	}
	return used;
}

int time_check(const char *s, size_t len, const char **why)
{
	size_t used = hms_scan(s, len, 0, why);
	if (!used || used != len) {
		if (used)
			*why = "is not a time (expected HH:MM or HH:MM:SS)";
		return -1;
	}
	return 0;
}

/* Z, ±hh:mm or nothing at S. */
static int zone_check(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	if (len == 1 && (s[0] == 'Z' || s[0] == 'z'))
		return 0;
	if (len == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':') {
		int h = num(s + 1, 2), m = num(s + 4, 2);
		if (h >= 0 && h <= 23 && m >= 0 && m <= 59)
			return 0;
	}
	return -1;
}

int datetime_check(const char *s, size_t len, int date_ok, const char **cls,
		   const char **why)
{
	*cls = "bad_date";
	if (len < 10 || date_check(s, 10, why) != 0) {
		if (len >= 10 && s[4] == '-' && s[7] == '-' && num(s, 4) >= 0)
			return -1;
		*why = date_ok ? "is not an ISO 8601 date or date-time"
			       : "is not an ISO 8601 date-time";
		return -1;
	}
	if (len == 10) {
		if (date_ok)
			return 0;
		*why = "is a date without a time (expected an ISO 8601 date-time)";
		return -1;
	}
	*cls = "bad_time";
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
		*why = "is not an ISO 8601 date-time";
		return -1;
	}
	size_t used = hms_scan(s + 11, len - 11, 1, why);
	if (!used)
		return -1;
	if (zone_check(s + 11 + used, len - 11 - used) != 0) {
		*why = "has a bad time zone (expected Z, +hh:mm, -hh:mm or none)";
		return -1;
	}
	return 0;
}

int datefmt_valid(const char *fmt, const char **why)
{
	int have = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		switch (*p) {
		case 'Y': have |= 1; break;
		case 'm': have |= 2; break;
		case 'd': have |= 4; break;
		case 'H': case 'M': case 'S': case '%': break;
		default:
			*why = "only %Y %m %d %H %M %S and %% are supported";
			return -1;
		}
	}
	if (have != 7) {
		*why = "a date format needs %Y, %m and %d";
		return -1;
	}
	return 0;
}

int datefmt_match(const char *fmt, const char *s, size_t len)
{
	int y = -1, m = -1, d = -1, h = 0, mi = 0, sec = 0;
	size_t i = 0;
	const char *why;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%' || p[1] == '%') {
			p += (*p == '%');
			if (i >= len || s[i] != *p)
				return -1;
			i++;
			continue;
		}
		p++;
		size_t w = *p == 'Y' ? 4 : 2;
		int v = i + w <= len ? num(s + i, w) : -1;
		if (v < 0)
			return -1;
		i += w;
		switch (*p) {
		case 'Y': y = v; break;
		case 'm': m = v; break;
		case 'd': d = v; break;
		case 'H': h = v; break;
		case 'M': mi = v; break;
		default: sec = v; break;
		}
	}
	if (i != len || h > 23 || mi > 59 || sec > 60)
		return -1;
	return ymd_check(y, m, d, &why);
}
