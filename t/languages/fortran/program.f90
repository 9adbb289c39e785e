program main
    implicit none
    character(len=256) :: text
    integer :: ios
    text = ''
    read (*, '(a)', iostat=ios) text
    if (trim(text) == 'err') then
        write (0, '(a)') 'bad input: ' // trim(text)
        error stop 3
    end if
    do while (trim(text) == 'loop')
    end do
    write (*, '(a)', advance='no') 'hello, ' // trim(text)
end program main
