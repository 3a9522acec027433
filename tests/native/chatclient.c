/*
 * chatclient.c - a client of the seed chat_server (one-to-many, SENDALL):
 * connects a one-to-one SCTP socket, sends its line after DELAY_MS, then
 * prints every message it receives until it has COUNT of them or
 * TIMEOUT_S seconds pass (exit status 1 then).
 *
 *   chatclient PORT LINE DELAY_MS COUNT TIMEOUT_S [IPV4]
 *
 * IPV4: the server's address, 127.0.0.1 by default.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: chatclient PORT LINE DELAY_MS COUNT "
				"TIMEOUT_S [IPV4]\n");
		return 2;
	}
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)atoi(argv[1]))};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (argc == 7 && inet_pton(AF_INET, argv[6], &a.sin_addr) != 1) {
		fprintf(stderr, "chatclient: bad address %s\n", argv[6]);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("chatclient");
		return 1;
	}
	usleep((useconds_t)atoi(argv[3]) * 1000);
	if (sctp_sendmsg(fd, argv[2], strlen(argv[2]), NULL, 0, 0, 0, 0, 0,
			 0) < 0) {
		perror("sctp_sendmsg");
		return 1;
	}
	int want = atoi(argv[4]), got = 0;
	time_t end = time(NULL) + atoi(argv[5]);
	while (got < want && time(NULL) < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		char buf[1024];
		int flags = 0;
		struct sctp_sndrcvinfo si;
		int n = sctp_recvmsg(fd, buf, sizeof(buf) - 1, NULL, 0, &si,
				     &flags);
		if (n <= 0)
			break;
		buf[n] = '\0';
		printf("%s\n", buf);
		fflush(stdout);
		got++;
	}
	close(fd);
	return got == want ? 0 : 1;
}
