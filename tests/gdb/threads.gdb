# three threads at checkpoint(): every backtrace, switching threads and
# reading their registers.
break checkpoint
continue
info threads
thread apply all bt
thread 1
printf "thread1 pc in checkpoint: %d\n", $pc >= (long)checkpoint && $pc < (long)checkpoint + 16
thread 2
printf "thread2 pc in checkpoint: %d\n", $pc >= (long)checkpoint && $pc < (long)checkpoint + 16
info registers rip
continue
