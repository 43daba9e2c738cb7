/* stub_blob.S - the replay stub's ELF image, embedded in the replay binary. */
	.section .rodata
	.globl heisen_stub_start, heisen_stub_end
	.balign 16
heisen_stub_start:
	.incbin STUB_PATH
heisen_stub_end:
	.section .note.GNU-stack,"",@progbits
