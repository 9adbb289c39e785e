undeclared_name()
