// keyctl_keys: the kernel's keyrings, as a program keeping a secret in its
// process keyring does: add_key, keyctl READ (the length, then the
// payload), DESCRIBE, UPDATE, SEARCH, CAPABILITIES, GET_KEYRING_ID,
// REVOKE (then READ fails with EKEYREVOKED). What keyctl writes depends on
// the operation: replay must write exactly that.
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long keyctl5(long op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
	return syscall(SYS_keyctl, op, a, b, c, d);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	long id = syscall(SYS_add_key, "user", "heisen-test-key", "secret-one", 10, KEY_SPEC_PROCESS_KEYRING);
	if (id < 0) {
		printf("add_key: %s\n", strerror(errno)); /* no keyrings here: nothing more to try */
		return 0;
	}
	char buf[256];
	memset(buf, '.', sizeof buf);
	long n = keyctl5(KEYCTL_READ, (unsigned long)id, 0, 0, 0);
	printf("read length: %ld\n", n);
	n = keyctl5(KEYCTL_READ, (unsigned long)id, (unsigned long)buf, 4, 0);
	printf("read into 4 bytes: %ld, '%.6s'\n", n, buf);
	n = keyctl5(KEYCTL_READ, (unsigned long)id, (unsigned long)buf, sizeof buf, 0);
	printf("read: %ld, '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	n = keyctl5(KEYCTL_DESCRIBE, (unsigned long)id, (unsigned long)buf, sizeof buf, 0);
	char *type_end = n > 0 ? strchr(buf, ';') : NULL;
	char *desc = n > 0 ? strrchr(buf, ';') : NULL;
	printf("describe: %ld, type '%.*s', description '%s'\n", n, type_end ? (int)(type_end - buf) : 0, buf,
	       desc ? desc + 1 : "");
	printf("update: %ld\n", keyctl5(KEYCTL_UPDATE, (unsigned long)id, (unsigned long)"second", 6, 0));
	n = keyctl5(KEYCTL_READ, (unsigned long)id, (unsigned long)buf, sizeof buf, 0);
	printf("read after update: %ld, '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	long found = keyctl5(KEYCTL_SEARCH, KEY_SPEC_PROCESS_KEYRING, (unsigned long)"user", (unsigned long)"heisen-test-key", 0);
	printf("search finds it: %s\n", found == id ? "yes" : "no");
	unsigned char caps[16];
	memset(caps, 0xee, sizeof caps);
	n = keyctl5(KEYCTL_CAPABILITIES, (unsigned long)caps, sizeof caps, 0, 0);
	printf("capabilities: %s\n", n > 0 && caps[0] != 0xee ? "written" : "none");
	long ring = keyctl5(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0);
	printf("process keyring: %s\n", ring > 0 ? "exists" : strerror(errno));
	printf("revoke: %ld\n", keyctl5(KEYCTL_REVOKE, (unsigned long)id, 0, 0, 0));
	errno = 0;
	n = keyctl5(KEYCTL_READ, (unsigned long)id, (unsigned long)buf, sizeof buf, 0);
	printf("read after revoke: %ld %s\n", n, strerror(errno));
	return 0;
}
