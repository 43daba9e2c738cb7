# many steps through a program's start, over its signals and into their
# handlers, then on to its end: the replay must end as recorded.
break main
continue
next 15
stepi 200
continue
