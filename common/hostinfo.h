/* hostinfo.h - what the trace header says about the recording host. */
#ifndef HEISEN_HOSTINFO_H
#define HEISEN_HOSTINFO_H

#include "trace.h"

/* Fills the host fields of h (uname, CPU model, CPUID leaves, CPU count);
 * returns 0 or -ENOMEM. Free with trace_header_free. */
int hostinfo_fill(struct trace_header *h);

#endif
