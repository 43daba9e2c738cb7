# reverse-next and reverse-finish in a function (area), reverse-next over
# a call in main, then on to the recorded end.
break area
continue
delete
next
next
reverse-next
reverse-finish
next
next
reverse-next
printf "a=%d\n", a
continue
