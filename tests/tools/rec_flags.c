/* rec_flags.c - the `rec` tests/run.sh puts first when REC_FLAGS is set
 * (tests/lib.sh). Copied as DIR/rec, it execs DIR/real/rec with the
 * blank-separated options of DIR/real/flags before its own arguments: the
 * same process (rec's pid, for the tests that signal it), the same
 * environment in the same order (a shell script would rebuild it) and the
 * same stdio. DIR is where the running file is (/proc/self/exe), so a copy
 * of DIR elsewhere (suite-badinput's unprivileged user) works as well.
 * Exits 125 with one line if it cannot. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FLAGS 64

int main(int argc, char **argv)
{
	char dir[PATH_MAX], real[PATH_MAX + 16], flagsfile[PATH_MAX + 16], flags[4096];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n <= 0) {
		fprintf(stderr, "rec_flags: cannot read /proc/self/exe: %s\n", strerror(errno));
		return 125;
	}
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	snprintf(real, sizeof real, "%s/real/rec", dir);
	snprintf(flagsfile, sizeof flagsfile, "%s/real/flags", dir);
	FILE *f = fopen(flagsfile, "r");
	size_t len = f ? fread(flags, 1, sizeof flags - 1, f) : 0;
	if (!f || ferror(f) || len == sizeof flags - 1) {
		fprintf(stderr, "rec_flags: cannot read the options in %s: %s\n", flagsfile,
			f ? "too long or unreadable" : strerror(errno));
		if (f)
			fclose(f);
		return 125;
	}
	fclose(f);
	flags[len] = '\0';
	char **args = calloc((size_t)argc + MAX_FLAGS + 1, sizeof *args);
	if (!args) {
		fprintf(stderr, "rec_flags: out of memory\n");
		return 125;
	}
	int k = 0;
	args[k++] = real;
	char *save = NULL;
	for (char *w = strtok_r(flags, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (k > MAX_FLAGS) {
			fprintf(stderr, "rec_flags: more than %d options in %s\n", MAX_FLAGS, flagsfile);
			free(args);
			return 125;
		}
		args[k++] = w;
	}
	for (int i = 1; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	execv(real, args);
	fprintf(stderr, "rec_flags: cannot run %s: %s\n", real, strerror(errno));
	free(args);
	return 125;
}
