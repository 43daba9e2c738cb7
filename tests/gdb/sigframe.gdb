# sigframe.gdb: single steps in gdb change what the kernel writes into the
# thread's next signal frame (the last trap's number): the program, which
# prints it from its handler, must still print what it printed recorded.
handle SIGUSR1 nostop noprint pass
break raiser
continue
stepi
stepi
stepi
continue
continue
