# gdb_inproc's third getpid: its glibc site (mov $0x27,%eax; syscall),
# patched after the first call so that rec recorded the later ones
# in-process, reads as the program's own code; one stepi goes over the
# patched run and the buffered call, with the recorded result in rax;
# reverse-stepi comes back to the site.
break getpid
ignore 1 2
continue
x/2i $pc
set $site = $pc
stepi
printf "after buffered getpid: rax=%d advanced=%d\n", $rax, $pc - $site
reverse-stepi
printf "back at the site: %d\n", $pc == $site
delete
continue
