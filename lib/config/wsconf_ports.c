/*
 * wsconf_ports.c - the `ports` setting: a list of ports and ranges separated
 * by commas or blanks, exclusions prefixed by '!', the keywords "all" (every
 * port, and sockets that have none yet) and "none".  Inclusions are united,
 * then exclusions removed, so the order of the items does not matter; a list
 * of exclusions alone applies to "all" ("!22, !53": every port but ssh and
 * dns).  The result is a 65536-bit map so the shim's per-socket test is one
 * load and a shift; bit 0 (sockets with no port yet) is set by "all" even
 * with exclusions, and only a full map lets the shim convert a socket
 * before its port is known (wsconf_ports_every).
 */
#include <string.h>

#include "wsconf_int.h"

#define NWORDS (65536 / 64)

enum tok_kind { TOK_RANGE, TOK_ALL, TOK_NONE };

typedef struct tok {
	enum tok_kind kind;
	bool exclude;
	unsigned lo, hi; /* TOK_RANGE */
	const char *text;
	size_t len;
} tok;

static bool is_sep(char ch)
{
	return ch == ',' || ch == ' ' || ch == '\t';
}

/* Reads a port number of exactly len digits; 0 when it is not one. */
static unsigned port_number(const char *s, size_t len)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= 65535 ? v : 0;
}

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

static int bad_port(const char *s, size_t len, char *err, size_t errlen)
{
	return wsconf_errf(err, errlen, "'%.*s' is not a port (1-65535)",
			   (int)len, s);
}

static int word_tok(tok *t, const char *s, size_t len, char *err, size_t errlen)
{
	if (!t->exclude && len == 3 && strncasecmp(s, "all", 3) == 0) {
		t->kind = TOK_ALL;
		return 0;
	}
	if (!t->exclude && len == 4 && strncasecmp(s, "none", 4) == 0) {
		t->kind = TOK_NONE;
		return 0;
	}
	return wsconf_errf(err, errlen,
			   "'%.*s' is not a port, a range (FIRST-LAST), "
			   "'all' or 'none'",
			   (int)t->len, t->text);
}

/* Parses the item t->text (t->len bytes, no separator in it). */
static int parse_tok(tok *t, char *err, size_t errlen)
{
	const char *s = t->text, *dash;
	size_t len = t->len;

	t->exclude = s[0] == '!';
	if (t->exclude) {
		s++;
		len--;
	}
	t->kind = TOK_RANGE;
	dash = memchr(s, '-', len);
	if (!dash) {
		if (!all_digits(s, len))
			return word_tok(t, s, len, err, errlen);
		t->lo = t->hi = port_number(s, len);
		return t->lo ? 0 : bad_port(s, len, err, errlen);
	}
	size_t l1 = (size_t)(dash - s), l2 = len - l1 - 1;
	if (!all_digits(s, l1) || !all_digits(dash + 1, l2))
		return word_tok(t, s, len, err, errlen);
	t->lo = port_number(s, l1);
	if (!t->lo)
		return bad_port(s, l1, err, errlen);
	t->hi = port_number(dash + 1, l2);
	if (!t->hi)
		return bad_port(dash + 1, l2, err, errlen);
	if (t->lo > t->hi)
		return wsconf_errf(err, errlen,
				   "'%.*s' is not a range (%u is above %u)",
				   (int)len, s, t->lo, t->hi);
	return 0;
}

/* Moves *p past the next item into t.  Returns 1 with an item, 0 at the
 * end, -1 on a bad item. */
static int next_tok(const char **p, tok *t, char *err, size_t errlen)
{
	const char *s = *p;

	while (*s && is_sep(*s))
		s++;
	if (!*s)
		return 0;
	t->text = s;
	while (*s && !is_sep(*s))
		s++;
	t->len = (size_t)(s - t->text);
	*p = s;
	return parse_tok(t, err, errlen) < 0 ? -1 : 1;
}

static void set_range(uint64_t *bits, unsigned lo, unsigned hi, bool on)
{
	for (unsigned p = lo; p <= hi; p++) {
		uint64_t m = (uint64_t)1 << (p & 63);
		if (on)
			bits[p >> 6] |= m;
		else
			bits[p >> 6] &= ~m;
	}
}

/* Checks every item; tells whether some item includes ports. */
static int validate(const char *spec, bool *includes, char *err, size_t errlen)
{
	const char *p = spec;
	bool none = false;
	size_t n = 0;
	tok t;
	int r;

	*includes = false;
	while ((r = next_tok(&p, &t, err, errlen)) > 0) {
		n++;
		none |= t.kind == TOK_NONE;
		*includes |= !t.exclude;
	}
	if (r < 0)
		return -1;
	if (n == 0)
		return wsconf_errf(err, errlen,
				   "no ports given (use 'all', 'none' or "
				   "a list such as '13, 8000-8080, !8022')");
	if (none && n > 1)
		return wsconf_errf(
		    err, errlen, "'none' cannot be combined with other items");
	return 0;
}

int wsconf_ports_parse(uint64_t *bits, const char *spec, char *err,
		       size_t errlen)
{
	bool includes;
	const char *p;
	tok t;

	if (validate(spec, &includes, err, errlen) < 0)
		return -1;
	memset(bits, includes ? 0x00 : 0xff, NWORDS * sizeof(*bits));
	for (p = spec; next_tok(&p, &t, err, errlen) > 0;) {
		if (t.exclude)
			continue;
		if (t.kind == TOK_ALL)
			memset(bits, 0xff, NWORDS * sizeof(*bits));
		else if (t.kind == TOK_RANGE)
			set_range(bits, t.lo, t.hi, true);
	}
	for (p = spec; next_tok(&p, &t, err, errlen) > 0;)
		if (t.exclude)
			set_range(bits, t.lo, t.hi, false);
	return 0;
}

bool wsconf_ports_every(const wsconf *c)
{
	for (size_t i = 0; i < NWORDS; i++)
		if (c->ports[i] != UINT64_MAX)
			return false;
	return true;
}

static bool bit(const uint64_t *bits, unsigned p)
{
	return (bits[p >> 6] >> (p & 63)) & 1;
}

/* Appends the runs of ports 1-65535 whose bit equals `on`, each prefixed by
 * prefix; returns how many were written. */
static unsigned format_runs(const uint64_t *bits, bool on, const char *prefix,
			    unsigned n, wsconf_out *o)
{
	unsigned p = 1;

	while (p <= 65535) {
		if (bit(bits, p) != on) {
			p++;
			continue;
		}
		unsigned lo = p;
		while (p < 65535 && bit(bits, p + 1) == on)
			p++;
		wsconf_outf(o, "%s%s%u", n ? ", " : "", prefix, lo);
		if (p > lo)
			wsconf_outf(o, "-%u", p);
		n++;
		p++;
	}
	return n;
}

void wsconf_ports_format(const uint64_t *bits, wsconf_out *o)
{
	if (bit(bits, 0)) {
		wsconf_outf(o, "all");
		format_runs(bits, false, "!", 1, o);
	} else if (format_runs(bits, true, "", 0, o) == 0) {
		wsconf_outf(o, "none");
	}
}
