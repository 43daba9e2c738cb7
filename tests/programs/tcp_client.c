// tcp_client [PORT]: connects to 127.0.0.1:PORT, sends a line, prints the
// reply. Without PORT it does nothing. suite-isolation.sh checks that
// replaying it does not reach a listener.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("no port given, nothing to do\n");
		return 0;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("connect");
		return 1;
	}
	const char msg[] = "hello from tcp_client\n";
	printf("sent %zd\n", send(s, msg, sizeof msg - 1, 0));
	char buf[128];
	ssize_t n = recv(s, buf, sizeof buf, 0);
	printf("reply %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	close(s);
	return 0;
}
