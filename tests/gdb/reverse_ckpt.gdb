# Reverse execution through the replay's checkpoints (three threads): from
# a thread's last round back to the additions just before (after the last
# checkpoint), then back to the threads' first rounds (only before it: the
# scans go back span by span), then on to the end.
break last_round
continue
printf "late: by=%ld total=%ld\n", by, total
delete
break noted
reverse-continue
printf "back1: by=%ld round=%d now=%ld total=%ld\n", by, round, now, total
reverse-continue
printf "back2: by=%ld round=%d now=%ld total=%ld\n", by, round, now, total
delete
break first_round
reverse-continue
printf "first: by=%ld total=%ld\n", by, total
reverse-continue
printf "first2: by=%ld total=%ld\n", by, total
monitor checkpoints
delete
continue
