int main () {
    undeclared_name ();
    return 0;
}
