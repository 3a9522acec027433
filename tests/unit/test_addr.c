/*
 * test_addr.c - the address conversions of the shim (sockaddr <->
 * wsp_addr, shim/addr.c) and of the daemon (wsp_addr <-> esctp_addr,
 * cli/sctpd/addr.c): IPv4, IPv6, v4-mapped addresses in AF_INET6 sockets,
 * scope ids, truncation as the kernel does it, and bad input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../cli/sctpd/addr.h"
#include "../../shim/shim.h"

static struct sockaddr_in sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static struct sockaddr_in6 sin6(const char *ip, uint16_t port, uint32_t scope)
{
	struct sockaddr_in6 s = {.sin6_family = AF_INET6,
				 .sin6_port = htons(port),
				 .sin6_scope_id = scope};
	inet_pton(AF_INET6, ip, &s.sin6_addr);
	return s;
}

static void test_sa_to_wsp_v4(void **state)
{
	(void)state;
	struct sockaddr_in s = sin4("192.0.2.7", 13);
	wsp_addr w;
	assert_int_equal(shim_sa_to_wsp((struct sockaddr *)&s, sizeof(s), &w),
			 0);
	assert_int_equal(w.family, AF_INET);
	assert_int_equal(w.port, 13);
	assert_memory_equal(w.ip, &s.sin_addr, 4);
	/* Too short for its family, and families that are not IP. */
	errno = 0;
	assert_int_equal(
	    shim_sa_to_wsp((struct sockaddr *)&s, sizeof(s) - 1, &w), -1);
	assert_int_equal(errno, EINVAL);
	struct sockaddr un = {.sa_family = AF_UNIX};
	assert_int_equal(shim_sa_to_wsp(&un, sizeof(un), &w), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	assert_int_equal(shim_sa_to_wsp(NULL, 0, &w), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_sa_to_wsp_v6(void **state)
{
	(void)state;
	struct sockaddr_in6 s = sin6("fe80::1", 8080, 3);
	wsp_addr w;
	assert_int_equal(shim_sa_to_wsp((struct sockaddr *)&s, sizeof(s), &w),
			 0);
	assert_int_equal(w.family, AF_INET6);
	assert_int_equal(w.port, 8080);
	assert_int_equal(w.scope, 3);
	assert_memory_equal(w.ip, &s.sin6_addr, 16);
}

/* getsockname() semantics: the full length is reported, the copy is cut
 * to the caller's buffer. */
static void test_wsp_to_sa_truncates(void **state)
{
	(void)state;
	wsp_addr w = {.family = AF_INET6, .port = 9, .scope = 0};
	inet_pton(AF_INET6, "2001:db8::5", w.ip);
	struct sockaddr_in6 out;
	memset(&out, 0xaa, sizeof(out));
	socklen_t len = 8;
	shim_wsp_to_sa(&w, AF_INET6, (struct sockaddr *)&out, &len);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(out.sin6_family, AF_INET6);
	assert_int_equal(ntohs(out.sin6_port), 9);
	/* Bytes past the caller's 8 are untouched. */
	assert_int_equal(((uint8_t *)&out)[8], 0xaa);
}

/* An IPv4 peer seen by an AF_INET6 socket is v4-mapped, as the kernel
 * shows it; an AF_INET socket gets a sockaddr_in. */
static void test_wsp_to_sa_families(void **state)
{
	(void)state;
	wsp_addr w = {.family = AF_INET, .port = 7};
	inet_pton(AF_INET, "127.0.0.1", w.ip);
	struct sockaddr_in6 s6;
	socklen_t len = sizeof(s6);
	shim_wsp_to_sa(&w, AF_INET6, (struct sockaddr *)&s6, &len);
	assert_int_equal(len, sizeof(s6));
	char txt[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &s6.sin6_addr, txt, sizeof(txt));
	assert_string_equal(txt, "::ffff:127.0.0.1");
	struct sockaddr_in s4;
	len = sizeof(s4);
	shim_wsp_to_sa(&w, AF_INET, (struct sockaddr *)&s4, &len);
	assert_int_equal(len, sizeof(s4));
	assert_int_equal(s4.sin_family, AF_INET);
	assert_int_equal(ntohs(s4.sin_port), 7);
	assert_int_equal(s4.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
}

/* The daemon: a v4-mapped destination of an AF_INET6 socket is an IPv4
 * peer for the engine, and back again in the socket's family. */
static void test_daemon_v4mapped_round_trip(void **state)
{
	(void)state;
	struct sockaddr_in6 s = sin6("::ffff:10.1.2.3", 5001, 0);
	wsp_addr w, back;
	esctp_addr e;
	assert_int_equal(shim_sa_to_wsp((struct sockaddr *)&s, sizeof(s), &w),
			 0);
	sd_addr_to_esctp(&w, 9899, &e);
	assert_int_equal(e.family, ESCTP_AF_INET);
	assert_int_equal(e.port, 9899); /* the UDP encapsulation port */
	assert_memory_equal(e.ip, "\x0a\x01\x02\x03", 4);
	sd_addr_from_esctp(&e, 5001, AF_INET6, &back);
	assert_int_equal(back.family, AF_INET6);
	assert_int_equal(back.port, 5001);
	assert_memory_equal(back.ip, &s.sin6_addr, 16);
	sd_addr_from_esctp(&e, 5001, AF_INET, &back);
	assert_int_equal(back.family, AF_INET);
	assert_memory_equal(back.ip, "\x0a\x01\x02\x03", 4);
}

static void test_daemon_v6_and_text(void **state)
{
	(void)state;
	wsp_addr w = {.family = AF_INET6, .port = 80, .scope = 2};
	inet_pton(AF_INET6, "fe80::2", w.ip);
	esctp_addr e;
	sd_addr_to_esctp(&w, 1, &e);
	assert_int_equal(e.family, ESCTP_AF_INET6);
	assert_int_equal(e.scope_id, 2);
	char buf[64];
	assert_string_equal(sd_addr_str(&w, buf, sizeof(buf)), "[fe80::2]:80");
	wsp_addr v4 = {.family = AF_INET, .port = 13};
	inet_pton(AF_INET, "192.0.2.1", v4.ip);
	assert_string_equal(sd_addr_str(&v4, buf, sizeof(buf)), "192.0.2.1:13");
	wsp_addr none = {0};
	assert_string_equal(sd_addr_str(&none, buf, sizeof(buf)), "*:0");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sa_to_wsp_v4),
	    cmocka_unit_test(test_sa_to_wsp_v6),
	    cmocka_unit_test(test_wsp_to_sa_truncates),
	    cmocka_unit_test(test_wsp_to_sa_families),
	    cmocka_unit_test(test_daemon_v4mapped_round_trip),
	    cmocka_unit_test(test_daemon_v6_and_text),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
