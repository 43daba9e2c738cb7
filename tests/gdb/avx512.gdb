break avx_done
continue
p $k1
p/x $zmm0.v16_int32
p/x $zmm17.v16_int32
p/x $xmm17.v4_int32
set $k2 = 0x77
p/x $k2
info registers k1
delete
continue
