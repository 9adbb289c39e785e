void main()
{
    undeclared_name();
}
