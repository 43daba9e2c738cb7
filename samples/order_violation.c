/* order_violation.c - a worker uses an object before the thread that
 * initializes it has finished.
 *
 * A request router: NWORKERS workers (the load) route NREQ requests each to
 * the backends of the current routing config, g_config. While requests
 * flow, new routes are pushed NRELOAD times: a reloader thread, woken
 * through a pipe (a SIGHUP, in effect), reloads the config file (a memfd
 * standing in for it): it allocates a new config, installs it, then parses
 * the file into it. (Old configs are kept: requests in flight may still use
 * them.)
 *
 * BUG: config_reload() publishes the new config before parse_config() has
 * filled it in (parse_config() writes through g_config, so the author
 * installed the object first). A worker that loads g_config in between sees
 * nroutes == 0 and computes n % 0: SIGFPE. (Had it seen the count but not
 * the names, it would route to an empty name: the check aborts.)
 * The window: from the store to g_config to the store of nroutes, across
 * the file's lseek() and its reads (CHUNK bytes per read()) and the parsing.
 * Without the race it prints the same lines every run and exits 0.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NWORKERS 2
#define NREQ 60       /* requests per worker */
#define THINK 150000  /* a worker's work per request (loop turns) */
#define NRELOAD 1     /* config reloads */
#define MAXROUTES 8
#define CHUNK 64      /* parse_config() reads the file CHUNK bytes at a time */

static const char config_text[] = "# routes: path prefix, backend\n"
				  "route /api backend-api\n"
				  "route /img backend-static\n"
				  "route /doc backend-static\n"
				  "route /login backend-auth\n";

struct config {
	int version;
	int nroutes;
	char routes[MAXROUTES][32]; /* backend names */
};

static struct config *volatile g_config; /* the current config */
static int hup[2];                       /* a pipe: one byte per reload wanted */

/* Parses the config file into g_config. */
static void parse_config(int fd)
{
	char text[1024], names[MAXROUTES][32];
	ssize_t len = 0, r;
	int n = 0;
	lseek(fd, 0, SEEK_SET);
	while (len < (ssize_t)sizeof text - CHUNK && (r = read(fd, text + len, CHUNK)) > 0)
		len += r;
	text[len] = 0;
	for (char *line = strtok(text, "\n"); line && n < MAXROUTES; line = strtok(NULL, "\n"))
		if (sscanf(line, "route %*s %31s", names[n]) == 1)
			n++;
	memcpy(g_config->routes, names, sizeof names);
	g_config->nroutes = n;
}

static void config_reload(int fd)
{
	static int version;
	struct config *c = calloc(1, sizeof *c);
	c->version = ++version;
	g_config = c; /* BUG: published before parse_config() has filled it */
	parse_config(fd);
}

/* The reloader: one reload per byte on the hup pipe (a SIGHUP, in effect). */
static void *reloader(void *arg)
{
	char c;
	for (int k = 0; k < NRELOAD; k++) {
		if (read(hup[0], &c, 1) != 1)
			abort();
		config_reload((int)(intptr_t)arg);
	}
	return NULL;
}

struct worker {
	int id;
	long count[MAXROUTES]; /* requests per route */
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	volatile long think = 0;
	for (int n = 0; n < NREQ; n++) {
		struct config *c = g_config;
		int route = n % c->nroutes;
		if (c->routes[route][0] == 0) {
			fprintf(stderr, "order_violation: config %d: route %d has no backend\n", c->version, route);
			abort();
		}
		w->count[route]++;
		/* Worker 0 stands for the admin too: new routes are pushed while
		 * requests flow, NRELOAD times. */
		if (w->id == 0 && n % (NREQ / (NRELOAD + 1)) == NREQ / (NRELOAD + 1) - 1 && n < NREQ - 1)
			if (write(hup[1], "", 1) != 1)
				abort();
		for (int i = 0; i < THINK; i++)
			think += i;
	}
	return NULL;
}

int main(void)
{
	pthread_t r, w[NWORKERS];
	struct worker ws[NWORKERS] = { { 0 } };
	int fd = memfd_create("routes.conf", 0);
	if (fd < 0 || write(fd, config_text, strlen(config_text)) != (ssize_t)strlen(config_text) || pipe(hup) < 0) {
		perror("order_violation: config file");
		return 1;
	}
	config_reload(fd); /* the first load, before any request */
	pthread_create(&r, NULL, reloader, (void *)(intptr_t)fd);
	for (int i = 0; i < NWORKERS; i++) {
		ws[i].id = i;
		pthread_create(&w[i], NULL, worker, &ws[i]);
	}
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(r, NULL);
	struct config *c = g_config;
	for (int i = 0; i < c->nroutes; i++) {
		long sum = 0;
		for (int k = 0; k < NWORKERS; k++)
			sum += ws[k].count[i];
		printf("order_violation: route %d to %s: %ld requests\n", i, c->routes[i], sum);
	}
	return 0;
}
