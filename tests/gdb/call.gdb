break bump
continue
print area(&origin, 3)
call bump(100)
print counter
python
try:
    gdb.execute('print say(origin.name)')
except gdb.error as e:
    print('call failed: ' + str(e).splitlines()[0])
end
printf "after: by=%d counter=%d\n", by, counter
print area(&origin, 1)
continue
printf "next: by=%d counter=%d\n", by, counter
delete
continue
