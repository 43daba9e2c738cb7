set debug remote 1
break say
continue
set debug remote 0
info sharedlibrary
break write
continue
bt
delete
continue
