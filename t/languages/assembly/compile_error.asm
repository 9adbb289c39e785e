global _start
section .text
_start:
        jmp undeclared_name
