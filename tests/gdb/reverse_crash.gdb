# From the recorded crash: reverse-step to the line that called the
# faulting function, reverse-continue to a breakpoint hit earlier (the last
# one first), then forward again through the crash to the recorded death.
continue
reverse-step
break bump
reverse-continue
printf "back to bump: by=%d counter=%d\n", by, counter
reverse-continue
printf "back to bump: by=%d counter=%d\n", by, counter
continue
continue
continue
continue
