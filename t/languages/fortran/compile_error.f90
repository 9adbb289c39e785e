program main
    implicit none
    print *, undeclared_name
end program main
