# a library loaded by its soname (a link): gdb reads it from the trace and
# stops at a breakpoint on one of its functions
set breakpoint pending on
break zlibVersion
continue
bt 2
info sharedlibrary
continue
