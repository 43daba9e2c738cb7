// env_argv: prints argc, argv and the whole environment, and some getenv.
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv)
{
	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] '%s'\n", i, argv[i]);
	int n = 0;
	for (char **e = environ; *e; e++, n++)
		printf("env %s\n", *e);
	printf("%d variables\n", n);
	const char *home = getenv("HOME"), *path = getenv("PATH");
	printf("HOME %s\nPATH %s\n", home ? home : "(unset)", path ? path : "(unset)");
	setenv("HEISEN_SET_AT_RUNTIME", "yes", 1);
	printf("after setenv %s\n", getenv("HEISEN_SET_AT_RUNTIME"));
	return 0;
}
