fn main() {
    undeclared_name();
}
