const x: number = undeclared_name;
