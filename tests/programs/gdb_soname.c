// gdb_soname: loads zlib by its soname (libz.so.1, a link to the versioned
// file the recording stores) and calls into it; tests/suite-gdb.sh breaks
// in it through gdb, which asks for the library by the soname.
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	void *h = dlopen("libz.so.1", RTLD_NOW);
	if (!h) {
		printf("no libz.so.1 here\n");
		return 0;
	}
	const char *(*version)(void) = (const char *(*)(void))dlsym(h, "zlibVersion");
	printf("zlib %s\n", version ? version() : "?");
	return 0;
}
