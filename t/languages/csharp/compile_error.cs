class Program { static void Main() { undeclared_name(); } }
